"""`deskbot demo`: the whole product on one machine, in a browser, without credentials.

The service runs in this process against the Telegram stand-in (botapi/), a mail server on
127.0.0.1 (mailbox.py) and a web page (web.py) that plays the dispatcher, the specialists and
the customer. Modules:

- botapi:   the strict Telegram Bot API stand-in (also the tests' fake; DEVELOPERS.md)
- people:   the demo desk: staff, departments, the customer, and its config file
- desk:     starts and stops it all; the language switch restarts the service
- service:  `deskbot run`'s parts without the IMAP poller (mail comes in through intake.py)
- intake:   hands a raw mail to the intake, as the pipe intake does
- mailbox:  the SMTP server that keeps what deskbot sends, and the customer's mailbox
- letters:  the customer's mails and the burst of 50
- snapshot: the state the page shows, as JSON
- web:      the page and its HTTP API (/api/...), with the live WebSocket
"""
