"""A post's social card: the image a shared link shows (OpenGraph, Twitter), with the post's title,
votes, status and the first words of the company's answer, so the answer travels with the complaint.

An image is drawn once for what it shows and kept on disk under a key made of exactly that
(`card_key`): a vote, a new status or a new answer changes the key, so the next request draws a new
one, and the page links the image with its key, so social networks fetch the new one too.
"""
