"""What deskbot tells its operators about itself: metrics (`metrics.py`) and the log's context (`context.py`).

The bottom floor beside the catalog: any floor may import it, and it imports no other part of deskbot.
"""
