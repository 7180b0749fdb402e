"""Sign-in from elsewhere: identities, used hand-off tokens, OpenID Connect providers, company imports.

Why: issue 28. A customer signed in to the company's app is signed in here by a short-lived token;
others sign in through an OpenID Connect provider an admin set up. Each such account is an identity
(provider, subject) linked to a member; a token's single-use id is kept until it expires so it cannot
be replayed. An address is linked to an existing account only once that account proved it reads the
address's mail (users.email_verified_at; existing accounts start unproven: a password reset proves
it). Admins import companies from a CSV, previewed before it is applied.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 11:20:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table('identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=255), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_identities_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identities')),
    sa.UniqueConstraint('provider', 'subject', name='uq_identities_provider_subject')
    )
    op.create_index('ix_identities_user_id', 'identities', ['user_id'], unique=False)

    op.create_table('used_sign_in_tokens',
    sa.Column('jti', sa.String(length=255), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('jti', name=op.f('pk_used_sign_in_tokens'))
    )
    op.create_index('ix_used_sign_in_tokens_expires_at', 'used_sign_in_tokens', ['expires_at'], unique=False)

    op.create_table('sign_in_providers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('display_name', sa.String(length=60), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('client_secret', sa.String(length=500), nullable=False),
    sa.Column('allowed_domains', sa.Text(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_providers')),
    sa.UniqueConstraint('slug', name=op.f('uq_sign_in_providers_slug'))
    )

    op.create_table('company_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('rejected', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_company_imports_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_company_imports'))
    )


def downgrade():
    op.drop_table('company_imports')
    op.drop_table('sign_in_providers')
    op.drop_index('ix_used_sign_in_tokens_expires_at', table_name='used_sign_in_tokens')
    op.drop_table('used_sign_in_tokens')
    op.drop_index('ix_identities_user_id', table_name='identities')
    op.drop_table('identities')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_verified_at')
