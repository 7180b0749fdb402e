"""Staff tools: the queue of unanswered posts, insights, exports."""
