"""The rules of ticket life (rules/) and the use cases that read and write tickets."""
