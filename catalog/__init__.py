"""The bottom floor for words: the en/ru Fluent catalog, for Telegram, e-mail, the PDF report and the web alike."""
