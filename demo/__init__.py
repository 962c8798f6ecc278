"""`deskbot demo`: the whole product on one machine, in a browser, without credentials.

The service runs in this process against the Telegram stand-in (botapi/), a mail server on
127.0.0.1 (mailbox.py) and a web page (api.py, web/) that plays the dispatcher, the specialists and
the customer. Modules:

- botapi:   the strict Telegram Bot API stand-in (also the tests' fake; DEVELOPERS.md)
- people:   the demo desk: staff, departments, the customer, and its config file
- desk:     starts and stops it all: `deskbot run`'s service in this process, its mail handed
            to the pipe intake (mailbox.mode "pipe"); the language switch restarts the service
- mailbox:  the SMTP server that keeps what deskbot sends, and the customer's mailbox
- letters:  the customer's mails and the burst of 50
- snapshot: the state the page shows, as JSON
- api:      serves the page (web/) and its HTTP API (/api/...), with the live WebSocket
"""
