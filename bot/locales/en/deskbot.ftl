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
answer-retrying = ⚠️ Your answer on #{ $number } could not be sent yet ({ $reason }). It will be retried until it goes.
answer-failed = ❌ Your answer on #{ $number } was refused by the mail server: { $reason }. It was not sent.
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
