"""Posts: the list, a post's page, posting, voting, discussing, answering."""
