# deskbot's texts in English. Rendered as Telegram HTML (b, i, code, blockquote);
# the bot escapes every argument that comes from a person (subjects, names, mail).
# Keys starting with alert- or button- are shown as plain text: no tags, no entities.

## The new-ticket card

card-title = <b>#{ $number }</b> { $subject }
card-no-subject = (no subject)
card-from = From: { $name } &lt;{ $address }&gt;
card-from-address = From: { $address }
card-organization = Organization: { $organization }
card-attachments = 📎 { $count ->
    [one] { $count } attachment
   *[other] { $count } attachments
}
card-excerpt = <blockquote expandable>{ $excerpt }</blockquote>
card-no-text = <i>The mail has no text.</i>
card-assigned = ✅ Assigned by { $dispatcher } to { $assignee } at { $time }.
card-taken = 🛠 { $assignee } is working on it.
card-reassigned = ↩️ { $who } sent it back: choose someone else.
card-closed = 🏁 Closed by { $who }, { $time_spent } recorded.
card-closed-no-charge = 🏁 Closed by { $who } at no charge.
card-status = Status: { $status }, assignee: { $assignee }

## Assigning from the dispatcher chat

choose-department = Choose a department:
choose-person = Choose a person in { $department }:
department-empty = Nobody works in { $department } yet.
button-back = « Back

## Alerts on a button press (plain text, at most 200 characters)

alert-not-staff = You are not on the staff list.
alert-dispatcher-only = Only a dispatcher can assign tickets.
alert-assignee-only = Only the assignee or a dispatcher can do that.
alert-already-assigned = Already assigned by { $who } to { $whom }.
alert-already-taken = You are already working on this ticket.
alert-already-closed = Ticket #{ $number } is already closed.
alert-not-assigned = This ticket is no longer assigned to anyone.
alert-ticket-not-found = There is no ticket #{ $number }.

## Nags and digests

nag = ⏰ <b>Not assigned yet</b>, waiting { $age }.
digest-waiting = ⏰ <b>{ $count ->
    [one] { $count } ticket is waiting
   *[other] { $count } tickets are waiting
}</b>
digest-new = 📥 <b>{ $count ->
    [one] { $count } new ticket
   *[other] { $count } new tickets
}</b>
digest-part = (part { $part } of { $parts })
digest-line = /ticket_{ $number } { $subject } · { $sender }
digest-line-age = /ticket_{ $number } { $subject } · { $sender } · { $age }
digest-line-short = /ticket_{ $number } { $subject }
digest-line-short-age = /ticket_{ $number } { $subject } · { $age }

## The specialist

assigned-to-you = 📌 <b>{ $dispatcher } assigned you a ticket</b>
button-take = Take
button-close = Close
button-reassign = Reassign
taken = 🛠 You are working on #{ $number }.
reassigned = ↩️ #{ $number } went back to the dispatcher.

## Closing and the time spent

ask-time-spent = ⏱ How long did #{ $number } take?
    Tap a button or type it, e.g. <code>1h 30m</code>, <code>45m</code>, <code>1.5h</code> or <code>90</code> (minutes).
button-no-charge = No charge
button-cancel = Cancel
time-spent-not_understood = I could not read “{ $text }” as a time. Type it like <code>1h 30m</code>, <code>45m</code>, <code>1.5h</code> or <code>90</code> (minutes).
time-spent-zero = The time must be more than zero. For work that is not billed, tap “No charge”.
time-spent-negative = The time cannot be negative. Type how long the work took, e.g. <code>45m</code>.
time-spent-too_long = That is more than { $hours ->
    [one] { $hours } hour
   *[other] { $hours } hours
} for one ticket. Check the number, e.g. <code>90m</code> rather than <code>90h</code>.
closed = ✅ #{ $number } closed, { $time_spent } recorded.
closed-no-charge = ✅ #{ $number } closed at no charge.
close-cancelled = #{ $number } stays open.

## Commands

start-stranger = Hello! I only work for the support staff.
    Your Telegram id is <code>{ $id }</code>: ask an administrator to add it to <code>[[staff]]</code> in the config.
start-staff = Hello, { $name }! /my lists your open tickets, /queue the tickets waiting for assignment, /ticket N shows one ticket.
my-header = <b>{ $count ->
    [one] You have { $count } open ticket
   *[other] You have { $count } open tickets
}</b>
my-empty = You have no open tickets.
my-line = /ticket_{ $number } { $subject } · { $status }
queue-empty = No tickets are waiting for assignment.
ticket-usage = Put the number after the command, e.g. <code>/ticket 42</code>.
ticket-not-found = There is no ticket #{ $number }.

## Ticket statuses

status-new = waiting for assignment
status-assigned = assigned
status-in_progress = in progress
status-closed = closed
nobody = nobody

## Durations

duration-minutes = { $minutes } min
duration-hours = { $hours } h
duration-hours-minutes = { $hours } h { $minutes } min
duration-days = { $days } d
duration-days-hours = { $days } d { $hours } h

## Lists longer than one message

list-more = …and { $count } more

## E-mail to customers (plain text)

mail-ack =
    Hello,

    we have received your request “{ $subject }” and registered it as ticket #{ $number }. A specialist will get back to you soon.

    When you write to us about this request, please keep [#{ $number }] in the subject.
mail-team = Support

## Answering the customer

button-answer = Answer
answer-prompt = ✍️ Type your answer to { $customer } on #{ $number }: it goes out as an e-mail in the customer's thread. /cancel to stop.
answer-queued = 📨 Your answer on #{ $number } to { $customer } is on its way.
answer-sent = ✅ Your answer on #{ $number } was delivered to { $customer }.
answer-cancelled = Nothing was sent on #{ $number }.
answer-which-ticket = That message is not a ticket: reply to a ticket's card, or use its Answer button.
answer-empty = An empty answer is not sent.
answer-no-address = Ticket #{ $number } has no customer address to answer.
customer-replied =
    💬 <b>{ $who } replied on #{ $number }</b> { $subject }
    { $excerpt }
customer-reopened =
    🔄 <b>{ $who } replied on closed #{ $number }: it is open again</b> { $subject }
    { $excerpt }
card-follows = ↩️ Follows #{ $number }, closed earlier.

## Answering with a photo or a document

answer-file-body = Please see the attached file.
answer-file-too-big = Nothing was sent on #{ $number }: a bot can take files of up to { $megabytes } MB from Telegram. Send a smaller file, or a link to it.
answer-file-failed = ⚠️ Nothing was sent on #{ $number }: the file could not be fetched from Telegram. Please send it again.

## Waiting for the customer, auto-close, stale work

button-wait = Wait for customer
button-resume = Back in work
waiting = ⏳ #{ $number } waits for the customer.
waiting-autoclose = ⏳ #{ $number } waits for the customer; it closes by itself after { $after } of silence.
resumed = 🛠 #{ $number } is back in work.
alert-already-waiting = Ticket #{ $number } is already waiting for the customer.
alert-not-waiting = Ticket #{ $number } is not waiting for the customer.
card-waiting = ⏳ Waiting for the customer since { $since }.
card-autoclosed = 🏁 Closed by itself: the customer did not reply.
autoclosed = 🏁 #{ $number } closed by itself: the customer did not reply. They were told that a reply opens it again.
status-waiting = waiting for the customer
stale-nudge =
    ⏰ <b>#{ $number } has had no activity for { $age }</b> { $subject }
    Answer the customer, wait for them, ask a colleague, or close it.
mail-autoclosed =
    Hello,

    we have not heard back from you about ticket #{ $number } for { $waited }, so we have closed it.

    If the problem is still there, just reply to this e-mail: the ticket opens again and the same specialist takes it up.

## Pulling in a colleague

button-escalate = Ask a colleague
button-note = Note
button-help-time = My time
escalate-whom = 🆘 Whom should I ask for help on #{ $number }? Choose a department:
escalate-whom-in = 🆘 Whom should I ask for help on #{ $number }?
escalate-nobody = Nobody else works there. Go back and choose another department.
escalate-ask = ✍️ What should { $name } know about #{ $number }? Type your question: it stays inside the team. /cancel to stop.
escalate-self = The assignee cannot be asked for help on their own ticket.
escalated = 🆘 { $name } was asked about #{ $number }. Their notes will reach you here.
help-request = 🆘 <b>{ $who } asks for your help on #{ $number }</b>
help-question = 🔒 <b>Question</b> (internal, never e-mailed): { $question }
    Reply to this message, or tap Note: your note goes to the assignee, not to the customer.
note-prompt = 🔒 Type your note on #{ $number }: it stays inside the team, the customer never sees it. /cancel to stop.
note-forwarded = 🔒 <b>{ $who }, internal note on #{ $number }</b> { $subject }
note-saved = 🔒 Note on #{ $number } saved and sent to { $count ->
    [one] { $count } colleague.
   *[other] { $count } colleagues.
}
note-kept = 🔒 Note on #{ $number } saved.
note-empty = An empty note is not saved.
nothing-saved = Nothing was saved on #{ $number }.
alert-helper-only = Only the assignee, a colleague asked for help or a dispatcher can do that.
alert-helper-time = Only a colleague asked for help records their time here; the assignee records it on Close.
help-time-ask = ⏱ How long did you spend helping on #{ $number }? Tap a button or type it, e.g. <code>45m</code>.
help-time-recorded = ⏱ { $time_spent } recorded on #{ $number }.
help-time-cancelled = Nothing was recorded on #{ $number }.

## The conversation under /ticket (every message of the ticket, paged)

conversation-header = 💬 <b>#{ $number } · conversation</b> · page { $part } of { $parts } · { $count ->
    [one] { $count } message
   *[other] { $count } messages
}
conversation-in = 📨 From <b>{ $who }</b> · { $time }
conversation-out = 📤 <b>{ $who }</b> to the customer · { $time }
conversation-note = 🔒 <b>Internal note — { $who }</b> · { $time }
conversation-auto = · 🤖 automatic mail
conversation-continued = (continued)
conversation-no-text = <i>(no text)</i>
conversation-none = <i>No messages on this ticket.</i>
button-conversation-older = ◀ Older
button-conversation-newer = Newer ▶
button-conversation-first = ⏮ First
button-conversation-latest = Latest ⏭

## The monthly PDF report to a client (dispatch/report_pdf.py): plain text; figures come formatted

report-title = Support report
report-organization = { $organization } ({ $domain })
report-period = Period: { $start } – { $end } (time zone { $zone })
report-generated = Generated on { $time }
report-terms = Contract terms
report-contract = Contract
report-contract-value = No. { $contract } of { $date }
report-monthly-fee = Monthly fee
report-hours-included = Hours included per month
report-unlimited = unlimited
report-hourly-rate = Hourly rate
report-overage-rate = Rate beyond the package
report-bonus-hours = Bonus hours
report-money = { $amount } { $currency }
report-rate = { $amount } { $currency } per hour
report-tickets = Tickets closed in the period
report-column-number = No.
report-column-subject = Subject
report-column-asked-by = Asked by
report-column-opened = Opened
report-column-closed = Closed
report-column-time = Time spent
report-no-charge = no charge
report-no-subject = (no subject)
report-not-closed = —
report-no-tickets = No tickets were closed in this period.
report-totals = Totals
report-total-included = Hours included
report-total-used = Hours used
report-total-bonus = Bonus hours
report-total-overage = Hours beyond the package
report-total-overage-cost = Cost of the hours beyond the package
report-total-due = Total due (monthly fee and hours beyond the package)
report-hours-time = { $value } ({ $time })
report-page = Page { $page } of { $pages }

## Reports in Telegram and by e-mail

button-report-send = Send to the client
button-report-hold = Hold
report-caption-draft = 📊 <b>{ $organization }, { $month }</b>: { $tickets ->
    [one] { $tickets } ticket
   *[other] { $tickets } tickets
}, { $time }, total due { $total } { $currency }.
    Check it, then Send (to { $recipients }) or Hold.
report-caption-held = 📊 <b>{ $organization }, { $month }</b>: { $tickets ->
    [one] { $tickets } ticket
   *[other] { $tickets } tickets
}, { $time }, total due { $total } { $currency }. Held: Send when it is right (to { $recipients }).
report-caption-sent = 📊 <b>{ $organization }, { $month }</b>: { $tickets ->
    [one] { $tickets } ticket
   *[other] { $tickets } tickets
}, { $time }, total due { $total } { $currency }. Sent to { $recipients }.
report-sent = 📨 The report of { $organization } for { $month } is on its way to { $recipients }.
report-held = ⏸ The report of { $organization } for { $month } is held: nothing was sent.
alert-report-sent = Sent: { $organization }, { $month }.
alert-report-held = Held: { $organization }, { $month }.
alert-report-gone = This report no longer exists.
alert-report-manager-only = Only a manager can send or hold reports.
alert-report-already-sent = This report was already sent.
alert-report-no-recipients = The contract names no report recipients: add them with `deskbot contracts edit --recipients`.
report-manager-only = Only a manager can ask for reports.
report-usage = Name the organization by its domain, and the month if not the last one, e.g. <code>/report example.com 2026-10</code>.
report-on-its-way = 📊 The report of { $organization } for { $month } is on its way.
hours-alert-80 = ⚠️ <b>{ $organization }</b> has used { $used } of its { $package } this month ({ $percent } %).
hours-alert-100 = 🚨 <b>{ $organization }</b> has used up its package: { $used } of { $package } this month ({ $percent } %). Further hours are billed beyond the package.
report-mail-subject = Support report for { $period }: { $organization }
report-mail-body =
    Hello,

    please find attached the support report of { $organization } for { $period }: the tickets closed in the period, the time spent on each, and the hours against your contract.

    If anything in it looks wrong, just reply to this e-mail.
month-name = { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
} { $year }

## issue 10, items 6 and 7: words, not exceptions; a refused login is said out loud
# What went wrong with a mail server (deskbot.mailbox.failures.Kind), in the middle of a sentence.
mail-problem-connection = the mail server could not be reached
mail-problem-timeout = the mail server did not answer in time
mail-problem-tls = no secure connection to the mail server could be set up (its certificate was not accepted)
mail-problem-authentication = the mail server refused deskbot's user name or password (or the account is blocked)
mail-problem-busy = the mail server asked to try again later
mail-problem-recipient = the mail server refused the address { $address }
mail-problem-sender = the mail server refused deskbot's sender address
mail-problem-message = the mail server refused the message
mail-problem-too-big = the message is too big for the mail server
mail-problem-folder = the mailbox has no such folder
mail-problem-other = the mail server gave an answer deskbot does not understand
answer-retrying = ⚠️ Your answer on #{ $number } has not left yet: { $problem }. deskbot tries again by itself, at least every 5 minutes, and tells you when it is delivered.
answer-failed = ❌ Your answer on #{ $number } was not sent: { $problem }. It will not be tried again; the administrator finds the server's answer in deskbot's log.
answer-failed-recipient = ❌ Your answer on #{ $number } was not sent: { $problem }. Check the address; it will not be tried again.
answer-failed-too-big = ❌ Your answer on #{ $number } was not sent: { $problem }. Send smaller files, or a link to them.
incident-mailbox = 🔐 deskbot cannot read the mailbox { $account }: { $problem }. New mail waits on the server, nothing is lost; deskbot tries again every few minutes and will say here when it works again.
incident-mailbox-down = 📭 deskbot has not reached the mailbox { $account } for { $lasted }: { $problem }. New mail waits on the server, nothing is lost; deskbot keeps trying and will say here when it works again.
incident-smtp = 🔐 deskbot cannot send e-mail through { $account }: { $problem }. Answers and acknowledgements wait in the queue, nothing is lost; deskbot tries again every few minutes and will say here when mail leaves again.
incident-smtp-down = 📮 deskbot has not reached the mail server { $account } for { $lasted }: { $problem }. Answers and acknowledgements wait in the queue, nothing is lost; deskbot keeps trying and will say here when mail leaves again.
incident-fix-mailbox-authentication = To fix it: correct <code>mailbox.username</code> / <code>mailbox.password</code> and restart deskbot, or unblock the account on the mail server.
incident-fix-smtp-authentication = To fix it: correct <code>smtp.username</code> / <code>smtp.password</code> and restart deskbot, or unblock the account on the mail server.
incident-fix-mailbox-folder = To fix it: correct <code>mailbox.folder</code> and restart deskbot.
incident-recovered-mailbox = ✅ The mailbox { $account } works again (after { $lasted }): new mail is read as usual.
incident-recovered-smtp = ✅ E-mail leaves through { $account } again (after { $lasted }): what waited is being sent.
report-no-organization = No organization has the domain { $domain }.
report-no-contract = { $organization } has no contract: add one with <code>deskbot contracts add</code>.
report-bad-month = { $month } is not a month: write it as YYYY-MM, e.g. 2026-10.

## issue 10, item 2: quarantined mail reaches a person
quarantine-title = 📥 <b>Mail kept aside</b> · /quarantine_{ $id }
quarantine-from = From: { $sender }
quarantine-from-unknown = From: <i>no sender could be read</i>
quarantine-subject = Subject: { $subject }
quarantine-received = Received: { $time }
quarantine-why-no-sender = Why: the sender's address could not be read, so nobody can be answered.
quarantine-why-own-address = Why: it came from our own address and answers no ticket.
quarantine-why-automatic = Why: automatic mail (a bounce, an auto-reply, a mailing list) that answers no ticket.
quarantine-why-unstorable = Why: the database could not store it as a ticket.
quarantine-why-other = Why: { $reason }
quarantine-machine = 🤖 Machine mail.
quarantine-released = ✅ Made ticket #{ $number } by { $who } at { $time }.
quarantine-released-cli = ✅ Made ticket #{ $number } from the command line at { $time }.
quarantine-dismissed = 🗑 Dismissed by { $who } at { $time }.
quarantine-dismissed-cli = 🗑 Dismissed from the command line at { $time }.
quarantine-list-header = 📥 <b>{ $count ->
    [one] { $count } mail is
   *[other] { $count } mails are
} kept aside</b> (newest first; open one to decide)
quarantine-list-empty = No mail is kept aside.
quarantine-list-line = /quarantine_{ $id } { $subject } · { $sender }
quarantine-list-line-machine = /quarantine_{ $id } 🤖 { $subject } · { $sender }
quarantine-list-page = Page { $page } of { $pages }
quarantine-notices-header = 📥 <b>{ $count ->
    [one] { $count } person's mail was
   *[other] { $count } people's mails were
} kept aside</b>: open each to make it a ticket or dismiss it
quarantine-summary = 🤖 { $count ->
    [one] { $count } automatic mail (a bounce, an auto-reply, list or bulk mail) was
   *[other] { $count } automatic mails (bounces, auto-replies, list and bulk mail) were
} kept aside since the last summary. /quarantine lists them.
quarantine-no-sender = (unknown sender)
button-make-ticket = Make a ticket
button-dismiss = Dismiss
button-older = ◀ Older
button-newer = Newer ▶
quarantine-dispatchers-only = Only a dispatcher can see and decide on mail kept aside.
quarantine-not-found = There is no mail { $id } kept aside.
quarantine-already-released = Mail { $id } was already made ticket #{ $number } by { $who }.
quarantine-already-released-cli = Mail { $id } was already made ticket #{ $number } from the command line.
quarantine-already-dismissed = Mail { $id } was already dismissed by { $who }.
quarantine-already-dismissed-cli = Mail { $id } was already dismissed from the command line.
quarantine-made-ticket = Ticket #{ $number } is made; its card follows.
quarantine-dismissed-alert = Dismissed.
card-no-reply-address = From: <i>no reply address (the sender could not be read)</i>

## issue 10, item 4: a reply acts on the ticket it replies to
prompt-kept-answer = ↪️ A reply goes to the ticket of the message it answers: this one to #{ $replied }. I am still waiting for your answer to the customer on #{ $number }: type it, or /cancel to stop.
prompt-kept-time = ↪️ A reply goes to the ticket of the message it answers: this one to #{ $replied }. I am still waiting for the time spent on #{ $number }: type it, or /cancel to stop.
prompt-kept-question = ↪️ A reply goes to the ticket of the message it answers: this one to #{ $replied }. I am still waiting for your question for { $name } on #{ $number }: type it, or /cancel to stop.
prompt-kept-note = ↪️ A reply goes to the ticket of the message it answers: this one to #{ $replied }. I am still waiting for your note on #{ $number }: type it, or /cancel to stop.
prompt-kept-help-time = ↪️ A reply goes to the ticket of the message it answers: this one to #{ $replied }. I am still waiting for the time you spent helping on #{ $number }: type it, or /cancel to stop.

# --- issue12-demo-page ---
# The words of the `deskbot demo` page (demo/web/), served as GET /api/words?lang=...
demo-page-title = deskbot demo
demo-page-hint = Write to support as the customer, then work the ticket in the chats: tap the buttons, type, reply.
demo-page-burst = Send 50 mails
demo-page-language = Language
demo-page-status-live = live
demo-page-status-connecting = connecting…
demo-page-status-offline = offline, reconnecting…
demo-page-group-pane = The dispatcher group chat
demo-page-private-pane = A specialist's private chat with the bot
demo-page-mail-pane = The customer's mailbox
demo-page-acting-as = As
demo-page-specialist = Specialist
demo-page-bot-name = deskbot
demo-page-mailbox = Mailbox
demo-page-mailbox-empty = No mail yet. Write to support.
demo-page-chat-empty = No messages yet.
demo-page-message-placeholder = Message
demo-page-send = Send
demo-page-replying-to = Reply to
demo-page-cancel-reply = Cancel the reply
demo-page-reply-to-message = Reply
demo-page-edited = edited
demo-page-deleted = Message deleted
demo-page-write = Write to support
demo-page-reply = Reply
demo-page-back = Back
demo-page-from = From
demo-page-to = To
demo-page-date = Date
demo-page-subject = Subject
demo-page-text = Text
demo-page-tab-group = Dispatchers
demo-page-failed = Not done:

# --- issue13-web ---
web-site-name = Support
web-skip-to-content = Skip to content
web-home = Home
web-log-out = Log out
web-log-out-everywhere = Log out everywhere
web-form-expired-title = The form has expired
web-form-expired = The form has expired or did not come from this site. Go back, reload the page and send it again.
web-not-found-title = Not found
web-not-found = There is nothing here, or it is not yours to see.
web-login-title = Log in
web-login-intro = Type your e-mail address: we send you a six-digit code to log in with.
web-login-email = E-mail address
web-login-send-code = Send me a code
web-login-bad-address = This does not look like an e-mail address.
web-login-too-many = Too many codes were asked for. Wait a quarter of an hour and try again.
web-code-title = Enter your code
web-code-intro = If { $email } may log in here, a six-digit code is on its way to it. It is valid for 10 minutes.
web-code-label = The code from the e-mail
web-code-confirm = Log in
web-code-again = Send a new code
web-login-bad-code = This code is wrong, spent or expired. After 5 wrong tries a code stops working: ask for a new one.
web-code-mail-subject = Your log-in code: { $code }
web-code-mail-text = Your code to log in to the support cabinet: { $code }
    It is valid for { $minutes } minutes. Type it on the log-in page, or open this page and press "Log in":
    { $link }
    If you did not ask for it, ignore this mail: nobody can log in without the code.
web-staff-confirm-title = Sign in
web-staff-confirm-intro = You opened your sign-in link from Telegram. Press the button to sign in as yourself.
web-staff-confirm = Sign in
web-link-spent-title = This link no longer works
web-link-spent = A sign-in link works once and for 10 minutes. Send /web to the bot again for a new one.
web-staff-sign-in-title = Sign in from Telegram
web-staff-sign-in = Staff sign in with a link: send /web to the bot in a private chat.
web-staff-title = Staff
web-staff-signed-in = Signed in as { $name } (roles: { $roles }).
web-tickets-title = Tickets
web-tickets-whose-own = The tickets you opened ({ $email }).
web-tickets-whose-org = All tickets of your organization: you are its client manager ({ $email }).
web-tickets-status = Status
web-tickets-any-status = any
web-tickets-search = Number or words of the subject
web-tickets-filter = Show
web-tickets-count = { $count ->
    [one] { $count } ticket
   *[other] { $count } tickets
}
web-tickets-none = No tickets match.
web-col-number = Number
web-col-subject = Subject
web-col-status = Status
web-col-opened-by = Opened by
web-col-opened = Opened
web-col-closed = Closed
web-col-time = Time spent
web-no-subject = (no subject)
web-pages = Pages
web-page-newer = ◀ Newer
web-page-older = Older ▶
web-page-of = Page { $page } of { $pages }
web-back-to-tickets = ◀ All tickets
web-conversation = Conversation
web-conversation-empty = No messages yet.
web-command-link = 🔑 Your sign-in link for the web pages (it works once, for 10 minutes; do not forward it):
    { $link }
web-command-off = The web pages are turned off (web.listen is empty in the config).

# --- issue13-cabinet ---
web-menu = Cabinet
web-menu-tickets = Tickets
web-menu-reports = Reports
web-menu-finance = Finance
web-menu-account = Account
web-reports-title = Monthly reports
web-reports-none = No reports have been sent yet.
web-col-month = Month
web-col-tickets = Tickets
web-col-total = Total due
web-col-sent = Sent
web-col-file = PDF
web-col-asked = Asked
web-report-open = Open
web-report-download = Download
web-finance-title = Contract and hours
web-finance-contract = The contract
web-finance-kind = Kind
web-finance-number = Number
web-finance-start = Since
web-finance-fee = Monthly fee
web-finance-included = Hours included a month
web-finance-rate = Hour rate
web-finance-overage-rate = Rate beyond the package
web-finance-bonus = Bonus hours
web-finance-manager = Your personal manager
web-finance-no-manager = our managers' team
web-finance-hours = { $hours } h
web-finance-unlimited = unlimited
web-finance-this-month = This month so far
web-finance-used = Hours used
web-finance-left = Hours left
web-finance-beyond = Beyond the package
web-tariff-title = Change the tariff
web-tariff-what = What to change
web-tariff-choose = Choose what to change.
web-tariff-comment = Comment
web-tariff-send = Send to the manager
web-tariff-sent = Your request has reached your manager; they will answer you.
web-tariff-asked = Your requests
web-tariff-change-more_hours = More hours
web-tariff-change-fewer_hours = Fewer hours
web-tariff-change-other_tariff = Another tariff
web-tariff-change-other = Something else
web-tariff-status-open = open
web-tariff-status-answered = answered
web-account-title = Account
web-account-name = Name
web-account-email = E-mail
web-account-role = Sees
web-account-customer = your own tickets
web-account-client-manager = the whole organization's tickets (client manager)
web-account-ends = Ends
web-account-everywhere-note = Logged in on a computer you no longer use? Log out everywhere ends every session, this one too.
tariff-notice = 📝 <b>{ $organization }</b> ({ $domain }) asks to change the tariff: <b>{ $change }</b>. Asked by { $who }.
tariff-notice-terms = Contract { $number }: { $fee } { $currency } a month, { $included } h included + { $bonus } h bonus, { $overage_rate } { $currency }/h beyond.
tariff-notice-month = This month so far: { $used } h used, { $left } h left, { $beyond } h beyond the package.
tariff-notice-comment = Comment: { $comment }
button-tariff-answered = ✅ Answered
alert-tariff-answered = Marked answered: the client's cabinet shows it.
alert-tariff-already-answered = This request was already answered.
alert-tariff-manager-only = Only a manager can mark tariff requests answered.

# --- issue13-form ---
web-form-title = Write to support
web-form-intro = Tell us what happened in your own words. You get a ticket number at once, and our answer by e-mail.
web-form-type = What is it about?
web-form-type-choose = Choose…
web-form-name = Your name
web-form-email = Your e-mail address
web-form-subject = Subject (a few words)
web-form-text = What happened, what you need
web-form-files = Files, screenshots (up to { $mb } MB together)
web-form-trap = Leave this field empty
web-form-send = Send the request
web-form-need-type = Choose what the request is about.
web-form-need-email = Type your e-mail address, like name@example.com: the answer goes there.
web-form-need-name = This kind of request needs your name.
web-form-need-subject = This kind of request needs a subject.
web-form-need-text = Write what happened.
web-form-text-too-long = The text is too long: at most { $max } characters. Shorten it or attach it as a file.
web-form-need-attachment = This kind of request needs a file (a screenshot, a document).
web-form-files-too-big = The files are too big: at most { $mb } MB together, 10 files. Your text is kept: choose smaller files and send again.
web-form-too-many = Too many requests from your network in the last hour. Your text is kept: try again later, or write us an e-mail.
web-form-not-stored = Your request could not be saved just now. Your text is kept: send it again in a minute.
web-form-sent-title = Request received
web-form-sent-ticket = Your request is ticket #{ $number }.
web-form-sent-mail = A confirmation is on its way to { $email }. To add something, answer that e-mail.
web-form-sent-reply = Your message was added to ticket #{ $number }.
web-form-sent-kept = Thank you: your request was received, and a person will look at it.
web-form-another = Write another request

# --- issue13-cabinet ---
web-files = Attachments
web-file-open = open
web-file-not-kept = not kept
web-size-bytes = { $n } bytes
web-size-kb = { $n } KB
web-size-mb = { $n } MB
web-tickets-period = Opened
web-tickets-any-time = any time
web-period-this-month = this month
web-period-last-month = last month
web-period-last-3-months = last 3 months
web-period-this-year = this year
web-tickets-from = From
web-tickets-to = To
web-login-no-account = Just want to ask for help?
web-login-write-request = Write a request without logging in
web-sessions-title = Where you are logged in
web-session-device = { $browser } on { $system }
web-session-unknown-device = Unknown browser
web-session-this = (this browser)
web-session-address = Address
web-session-started = Logged in
web-session-seen = Last seen
web-session-end = End
web-session-end-label = End the session started { $started }
web-staff-roles = Roles
# --- issue13-board ---
web-board-title = Board
web-board-department = Department
web-board-all-departments = All departments
web-board-person = Person
web-board-everyone = Everyone
web-board-show = Show
web-board-clear = Show all
web-board-refresh = Refresh
web-board-live = The board updates itself every 10 seconds.
web-board-col-new = New
web-board-col-assigned = Assigned
web-board-col-in_progress = In work
web-board-col-waiting = Waiting for the customer
web-board-col-closed_today = Closed today
web-board-new-unfiltered = New tickets are shown whatever the filter: they belong to nobody yet.
web-board-organization = Organization
web-board-assignee = Assignee
web-board-age = Age
web-board-closed-at = Closed at
web-board-stale-new = Stale: unassigned for { $age }
web-board-stale-work = Stale: untouched for { $age }
web-board-assign-to = Assign #{ $number } to
web-board-choose = Choose a person…
web-board-assign = Assign
web-board-assigned = Ticket #{ $number } is assigned to { $whom }. Their Telegram card is on its way.
web-board-choose-person = Choose whom to assign the ticket to.
web-board-empty = None.
web-board-more = { $count ->
    [one] and one more, not shown
   *[other] and { $count } more, not shown
}
web-board-updated = Updated at { $time }.

# --- issue14-assign ---
## Automatic assignment (dispatch/assignment.py) and /away, /back

assign-why-round_robin = round robin
assign-why-least_loaded = fewest open tickets
card-auto-assigned = 🤖 Assigned automatically to { $assignee } at { $time }: { $why }.
card-taken-off = ↪️ { $dispatcher } gave it to { $assignee } instead.
card-taken-over = ↪️ { $dispatcher } took it over.
card-passed-on = ⌛ Not taken in time: passed on to { $assignee }.
card-passed-back = ⌛ Not taken in time: back to the dispatcher.
card-not-taken = ⌛ Nobody took it in time ({ $who } last): choose someone.
assigned-to-you-auto = 📌 <b>You were assigned a ticket</b> ({ $why })
alert-auto-assigned = Assigned to { $assignee }: { $why }. To change it, choose another person.
alert-nobody-available = Nobody can take it automatically ({ $reason }). Choose a person.
away-open = 🌴 You are away: nothing is assigned to you automatically until you send /back.
away-until = 🌴 You are away until { $until }: nothing is assigned to you automatically until then (or /back).
away-unreadable = I could not read “{ $text }”. Send /away alone (until /back), /away 3d, /away 4h or /away 2026-12-31 (through that day).
back = 👋 Welcome back: tickets are assigned to you again.
back-not-away = You were not away.
staff-away-open = 🌴 { $name } is away until further notice.
staff-away-until = 🌴 { $name } is away until { $until }.
staff-back = 👋 { $name } is back.
nobody-away = Nobody is away.
away-header = 🌴 <b>Away now: { $count }</b>
away-line-open = { $name }, until further notice
away-line-until = { $name }, until { $until }

# --- issue14-sla ---
sla-warning = ⏳ <b>{ $count ->
    [one] An SLA target is close
   *[other] { $count } SLA targets are close
}</b>
sla-breach = 🚨 <b>{ $count ->
    [one] An SLA target was missed
   *[other] { $count } SLA targets were missed
}</b>
sla-warning-line = /ticket_{ $number } { $subject } · { $target } due { $due }, { $left } of business time left
sla-breach-line = /ticket_{ $number } { $subject } · { $target } was due { $due } · { $assignee }
sla-breach-line-nobody = /ticket_{ $number } { $subject } · { $target } was due { $due } · not assigned
sla-target-first_response = first response
sla-target-resolution = resolution
web-board-sla-breached = SLA missed: { $target } was due { $due }
web-board-sla-warning = SLA close: { $target } due { $due }
web-board-sla-first_response = first response
web-board-sla-resolution = resolution
report-sla = Service levels (SLA)
report-sla-tickets = Tickets with SLA targets
report-sla-first-response = First response
report-sla-resolution = Resolution
report-sla-counts = met { $met } · missed { $breached } · still open { $open }
# --- issue14-rules ---
card-priority-low = 🔽 Priority: low
card-priority-high = 🔺 Priority: high
card-priority-urgent = 🔥 Priority: urgent
card-tags = 🏷 { $tags }
card-assigned-by-rule = ✅ Assigned to { $assignee } by rule «{ $rule }» at { $time }.
assigned-to-you-by-rule = 📌 <b>Assigned to you by rule «{ $rule }»</b>
card-rule = ⚙️ { $what }, by rule «{ $rule }» ({ $why })
rule-what = { $what }
rule-did-priority = priority { $priority }
rule-notice = 🔔 Rule «{ $rule }» on ticket #{ $number } ({ $why })
priority-low = low
priority-normal = normal
priority-high = high
priority-urgent = urgent
rule-why-always = no conditions
rule-why-from = from { $value }
rule-why-domain = domain { $value }
rule-why-organization = organization { $value }
rule-why-contract-yes = under contract
rule-why-contract-no = without a contract
rule-why-subject = subject has «{ $value }»
rule-why-subject_regex = subject matches «{ $value }»
rule-why-text = text has «{ $value }»
rule-why-text_regex = text matches «{ $value }»
rule-why-request_type = request type { $value }
rule-why-attachments-yes = with attachments
rule-why-attachments-no = without attachments
rule-why-in_hours-yes = in business hours
rule-why-in_hours-no = outside business hours
rules-none = No routing rules in the config ([[rules]]).
rules-set-first = Rule set «{ $set }»: the first matching rule acts
rules-set-all = Rule set «{ $set }»: every matching rule acts
rules-rule = { $number }. «{ $rule }» on { $trigger }{ $after }
rules-after = , after { $after }
rules-if = { "  " }if: { $conditions }
rules-if-always = { "  " }if: always
rules-then = { "  " }then: { $actions }
rules-test-new = Mail from { $sender }, «{ $subject }»: a new ticket.
rules-test-reply = Mail from { $sender }, «{ $subject }»: a reply to ticket #{ $number }.
rules-test-not-ticket = This mail would open no ticket ({ $outcome }): no rule runs on it.
rules-test-fires = Fires «{ $rule }» (set «{ $set }»): { $why }
rules-test-then = { "  " }then: { $actions }
rules-test-none = No rule fires.
rules-test-open = Business hours now: open.
rules-test-closed = Business hours now: closed.
web-col-priority = Priority
web-priority-low = low
web-priority-normal = normal
web-priority-high = high
web-priority-urgent = urgent
web-board-tags = Tags

# --- issue13-search ---
web-tickets-short-search = Text shorter than 3 characters is looked for in the newest { $count } tickets only: type 3 characters or more to search them all.
web-tickets-many-matches = More than { $count } tickets match: the newest { $count } are listed. Add words, a status or a period to find older ones.
