"""What the scheduler calls: each sweep reads what is due and queues its messages in the outbox, in one transaction."""
