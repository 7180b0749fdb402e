"""Following posts, the bell and /notifications, email preferences, unsubscribing, feeds."""
