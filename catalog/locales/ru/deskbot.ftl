# Тексты deskbot по-русски. Отображаются как HTML Telegram (b, i, code, blockquote);
# бот экранирует каждый аргумент, пришедший от человека (темы, имена, письма).
# Ключи alert- и button- показываются как простой текст: без тегов и сущностей.

## Карточка нового тикета

card-title = <b>#{ $number }</b> { $subject }
card-no-subject = (без темы)
card-from = От: { $name } &lt;{ $address }&gt;
card-from-address = От: { $address }
card-organization = Организация: { $organization }
card-attachments = 📎 { $count ->
    [one] { $count } вложение
    [few] { $count } вложения
   *[many] { $count } вложений
}
card-excerpt = <blockquote expandable>{ $excerpt }</blockquote>
card-no-text = <i>В письме нет текста.</i>
card-assigned = ✅ { $dispatcher } назначил(а) исполнителя: { $assignee }, в { $time }.
card-taken = 🛠 { $assignee } работает над тикетом.
card-reassigned = ↩️ { $who } вернул(а) тикет: выберите другого исполнителя.
card-closed = 🏁 Закрыт, { $who } записал(а) { $time_spent }.
card-closed-no-charge = 🏁 Закрыт без оплаты, закрыл(а) { $who }.
card-status = Статус: { $status }, исполнитель: { $assignee }

## Назначение из чата диспетчера

choose-department = Выберите отдел:
choose-person = Выберите сотрудника отдела «{ $department }»:
department-empty = В отделе «{ $department }» пока никого нет.
button-back = « Назад

## Всплывающие ответы на кнопки (простой текст, не длиннее 200 символов)

alert-not-staff = Вас нет в списке сотрудников.
alert-dispatcher-only = Назначать тикеты может только диспетчер.
alert-assignee-only = Это может сделать только исполнитель или диспетчер.
alert-already-assigned = Уже назначен: { $who } назначил(а) исполнителя { $whom }.
alert-already-taken = Вы уже работаете над этим тикетом.
alert-already-closed = Тикет #{ $number } уже закрыт.
alert-not-assigned = Этот тикет больше ни на кого не назначен.
alert-ticket-not-found = Тикета #{ $number } нет.

## Напоминания и сводки

nag = ⏰ <b>Ещё не назначен</b>, ждёт { $age }.
digest-waiting = ⏰ <b>{ $count ->
    [one] { $count } тикет ждёт назначения
    [few] { $count } тикета ждут назначения
   *[many] { $count } тикетов ждут назначения
}</b>
digest-new = 📥 <b>{ $count ->
    [one] { $count } новый тикет
    [few] { $count } новых тикета
   *[many] { $count } новых тикетов
}</b>
digest-part = (часть { $part } из { $parts })
digest-line = /ticket_{ $number } { $subject } · { $sender }
digest-line-age = /ticket_{ $number } { $subject } · { $sender } · { $age }
digest-line-short = /ticket_{ $number } { $subject }
digest-line-short-age = /ticket_{ $number } { $subject } · { $age }

## Исполнитель

assigned-to-you = 📌 <b>{ $dispatcher } назначил(а) вам тикет</b>
button-take = Взять
button-close = Закрыть
button-reassign = Переназначить
taken = 🛠 Вы работаете над #{ $number }.
reassigned = ↩️ #{ $number } возвращён диспетчеру.

## Закрытие и затраченное время

ask-time-spent = ⏱ Сколько времени ушло на #{ $number }?
    Нажмите кнопку или напишите, например: <code>1ч 30м</code>, <code>45 мин</code>, <code>1,5 ч</code> или <code>90</code> (минут).
button-no-charge = Без оплаты
button-cancel = Отмена
time-spent-not_understood = Не понял «{ $text }». Напишите время так: <code>1ч 30м</code>, <code>45 мин</code>, <code>1,5 ч</code> или <code>90</code> (минут).
time-spent-zero = Время должно быть больше нуля. Если работа не оплачивается, нажмите «Без оплаты».
time-spent-negative = Время не может быть отрицательным. Напишите, сколько заняла работа, например <code>45 мин</code>.
time-spent-too_long = Это больше { $hours ->
    [one] { $hours } часа
   *[other] { $hours } часов
} на один тикет. Проверьте число: например, <code>90 мин</code>, а не <code>90 ч</code>.
closed = ✅ #{ $number } закрыт, записано { $time_spent }.
closed-no-charge = ✅ #{ $number } закрыт без оплаты.
close-cancelled = #{ $number } остаётся открытым.

## Команды

start-stranger = Здравствуйте! Я работаю только с сотрудниками поддержки.
    Ваш Telegram id: <code>{ $id }</code>. Попросите администратора добавить его в <code>[[staff]]</code> в конфигурации.
start-staff = Здравствуйте, { $name }! /my — ваши открытые тикеты, /queue — тикеты, ждущие назначения, /ticket N — один тикет.
my-header = <b>{ $count ->
    [one] У вас { $count } открытый тикет
    [few] У вас { $count } открытых тикета
   *[many] У вас { $count } открытых тикетов
}</b>
my-empty = У вас нет открытых тикетов.
my-line = /ticket_{ $number } { $subject } · { $status }
queue-empty = Нет тикетов, ждущих назначения.
ticket-usage = Укажите номер после команды, например <code>/ticket 42</code>.
ticket-not-found = Тикета #{ $number } нет.

## Статусы тикета

status-new = ждёт назначения
status-assigned = назначен
status-in_progress = в работе
status-closed = закрыт
nobody = никто

## Длительность

duration-minutes = { $minutes } мин
duration-hours = { $hours } ч
duration-hours-minutes = { $hours } ч { $minutes } мин
duration-days = { $days } дн.
duration-days-hours = { $days } дн. { $hours } ч

## Списки длиннее одного сообщения

list-more = …и ещё { $count }

## Письма клиентам (простой текст)

mail-ack =
    Здравствуйте!

    Мы получили ваше обращение «{ $subject }» и зарегистрировали его под номером #{ $number }. Специалист скоро с вами свяжется.

    Если будете писать нам по этому вопросу, пожалуйста, сохраните [#{ $number }] в теме письма.
mail-team = Служба поддержки

## Ответ клиенту

button-answer = Ответить
answer-prompt = ✍️ Напишите ответ для { $customer } по #{ $number }: он уйдёт письмом в переписку клиента. /cancel — отменить.
answer-queued = 📨 Ваш ответ по #{ $number } для { $customer } отправляется.
answer-sent = ✅ Ваш ответ по #{ $number } доставлен { $customer }.
answer-cancelled = По #{ $number } ничего не отправлено.
answer-which-ticket = Это сообщение не тикет: ответьте на карточку тикета или нажмите в ней «Ответить».
answer-empty = Пустой ответ не отправляется.
answer-no-address = У тикета #{ $number } нет адреса клиента для ответа.
customer-replied =
    💬 <b>{ $who } ответил(а) по #{ $number }</b> { $subject }
    { $excerpt }
customer-reopened =
    🔄 <b>{ $who } ответил(а) по закрытому #{ $number }: тикет снова открыт</b> { $subject }
    { $excerpt }
card-follows = ↩️ Продолжение #{ $number }, закрытого ранее.

## Ответ фотографией или документом

answer-file-body = Пожалуйста, посмотрите приложенный файл.
answer-file-too-big = По #{ $number } ничего не отправлено: бот может получить из Telegram файл не больше { $megabytes } МБ. Отправьте файл поменьше или ссылку на него.
answer-file-failed = ⚠️ По #{ $number } ничего не отправлено: не удалось получить файл из Telegram. Пожалуйста, отправьте его ещё раз.

## Ожидание клиента, автозакрытие, забытые заявки

button-wait = Ждём клиента
button-resume = Снова в работе
waiting = ⏳ #{ $number } ждёт ответа клиента.
waiting-autoclose = ⏳ #{ $number } ждёт ответа клиента; закроется сама, если клиент молчит { $after }.
resumed = 🛠 #{ $number } снова в работе.
alert-already-waiting = Заявка #{ $number } уже ждёт ответа клиента.
alert-not-waiting = Заявка #{ $number } не ждёт ответа клиента.
card-waiting = ⏳ Ждём ответа клиента с { $since }.
card-autoclosed = 🏁 Закрыта автоматически: клиент не ответил.
autoclosed = 🏁 #{ $number } закрыта автоматически: клиент не ответил. Ему написали, что ответ на письмо снова откроет заявку.
status-waiting = ждёт ответа клиента
stale-nudge =
    ⏰ <b>По #{ $number } ничего не происходит уже { $age }</b> { $subject }
    Ответьте клиенту, переведите в ожидание, позовите коллегу или закройте заявку.
mail-autoclosed =
    Здравствуйте!

    Мы не получили от вас ответа по заявке #{ $number } за { $waited } и закрыли её.

    Если проблема осталась, просто ответьте на это письмо: заявка откроется снова, и ей займётся тот же специалист.

## Помощь коллеги

button-escalate = Позвать коллегу
button-note = Заметка
button-help-time = Моё время
escalate-whom = 🆘 Кого позвать на помощь по #{ $number }? Выберите отдел:
escalate-whom-in = 🆘 Кого позвать на помощь по #{ $number }?
escalate-nobody = Больше в этом отделе никого нет. Вернитесь и выберите другой отдел.
escalate-ask = ✍️ Что нужно знать { $name } о #{ $number }? Напишите вопрос: он останется внутри команды. /cancel — отмена.
escalate-self = Исполнителя нельзя позвать на помощь по его же заявке.
escalated = 🆘 { $name } получил(а) вопрос по #{ $number }. Заметки придут вам сюда.
help-request = 🆘 <b>{ $who } просит вашей помощи по #{ $number }</b>
help-question = 🔒 <b>Вопрос</b> (внутренний, клиенту не отправляется): { $question }
    Ответьте на это сообщение или нажмите «Заметка»: заметку получит исполнитель, а не клиент.
note-prompt = 🔒 Напишите заметку по #{ $number }: она останется внутри команды, клиент её не увидит. /cancel — отмена.
note-forwarded = 🔒 <b>{ $who }, внутренняя заметка по #{ $number }</b> { $subject }
note-saved = 🔒 Заметка по #{ $number } сохранена и отправлена { $count ->
    [one] { $count } коллеге.
   *[other] { $count } коллегам.
}
note-kept = 🔒 Заметка по #{ $number } сохранена.
note-empty = Пустая заметка не сохраняется.
nothing-saved = По #{ $number } ничего не сохранено.
alert-helper-only = Это может только исполнитель, приглашённый коллега или диспетчер.
alert-helper-time = Здесь время записывает приглашённый коллега; исполнитель указывает своё при закрытии.
help-time-ask = ⏱ Сколько времени вы потратили на помощь по #{ $number }? Нажмите кнопку или напишите, например <code>45м</code>.
help-time-recorded = ⏱ По #{ $number } записано { $time_spent }.
help-time-cancelled = По #{ $number } ничего не записано.

## Переписка под /ticket (все сообщения тикета по страницам)

conversation-header = 💬 <b>#{ $number } · переписка</b> · стр. { $part } из { $parts } · { $count ->
    [one] { $count } сообщение
    [few] { $count } сообщения
   *[many] { $count } сообщений
}
conversation-in = 📨 От <b>{ $who }</b> · { $time }
conversation-out = 📤 <b>{ $who }</b> клиенту · { $time }
conversation-note = 🔒 <b>Внутренняя заметка — { $who }</b> · { $time }
conversation-auto = · 🤖 автоматическое письмо
conversation-continued = (продолжение)
conversation-no-text = <i>(без текста)</i>
conversation-none = <i>В тикете нет сообщений.</i>
button-conversation-older = ◀ Раньше
button-conversation-newer = Позже ▶
button-conversation-first = ⏮ Первая
button-conversation-latest = Последняя ⏭

## Ежемесячный PDF-отчёт клиенту (dispatch/report_pdf.py): простой текст; числа приходят отформатированными

report-title = Отчёт о технической поддержке
report-organization = { $organization } ({ $domain })
report-period = Период: { $start } – { $end } (часовой пояс { $zone })
report-generated = Сформирован { $time }
report-terms = Условия договора
report-contract = Договор
report-contract-value = № { $contract } от { $date }
report-monthly-fee = Абонентская плата в месяц
report-hours-included = Часов в пакете в месяц
report-unlimited = без ограничений
report-hourly-rate = Стоимость часа
report-overage-rate = Стоимость часа сверх пакета
report-bonus-hours = Бонусные часы
report-money = { $amount } { $currency }
report-rate = { $amount } { $currency } за час
report-tickets = Тикеты, закрытые за период
report-column-number = №
report-column-subject = Тема
report-column-asked-by = Кто обратился
report-column-opened = Открыт
report-column-closed = Закрыт
report-column-time = Затрачено
report-no-charge = без оплаты
report-no-subject = (без темы)
report-not-closed = —
report-no-tickets = За период не закрыто ни одного тикета.
report-totals = Итого
report-total-included = Часов в пакете
report-total-used = Часов израсходовано
report-total-bonus = Бонусных часов
report-total-overage = Часов сверх пакета
report-total-overage-cost = Стоимость часов сверх пакета
report-total-due = К оплате (абонентская плата и часы сверх пакета)
report-hours-time = { $value } ({ $time })
report-page = Стр. { $page } из { $pages }

## Отчёты в Telegram и по почте

button-report-send = Отправить клиенту
button-report-hold = Придержать
report-caption-draft = 📊 <b>{ $organization }, { $month }</b>: { $tickets ->
    [one] { $tickets } заявка
    [few] { $tickets } заявки
   *[other] { $tickets } заявок
}, { $time }, к оплате { $total } { $currency }.
    Проверьте и нажмите «Отправить» (на { $recipients }) или «Придержать».
report-caption-held = 📊 <b>{ $organization }, { $month }</b>: { $tickets ->
    [one] { $tickets } заявка
    [few] { $tickets } заявки
   *[other] { $tickets } заявок
}, { $time }, к оплате { $total } { $currency }. Придержан: отправьте, когда всё верно (на { $recipients }).
report-caption-sent = 📊 <b>{ $organization }, { $month }</b>: { $tickets ->
    [one] { $tickets } заявка
    [few] { $tickets } заявки
   *[other] { $tickets } заявок
}, { $time }, к оплате { $total } { $currency }. Отправлен на { $recipients }.
report-sent = 📨 Отчёт { $organization } за { $month } отправляется на { $recipients }.
report-held = ⏸ Отчёт { $organization } за { $month } придержан: ничего не отправлено.
alert-report-sent = Отправлен: { $organization }, { $month }.
alert-report-held = Придержан: { $organization }, { $month }.
alert-report-gone = Этого отчёта больше нет.
alert-report-manager-only = Отправлять и придерживать отчёты может только менеджер.
alert-report-already-sent = Этот отчёт уже отправлен.
alert-report-no-recipients = В договоре не указаны получатели отчёта: добавьте их через `deskbot contracts edit --recipients`.
report-manager-only = Отчёты может запрашивать только менеджер.
report-usage = Укажите организацию по домену и месяц, если нужен не прошлый, например <code>/report example.com 2026-10</code>.
report-on-its-way = 📊 Отчёт { $organization } за { $month } отправляется.
hours-alert-80 = ⚠️ <b>{ $organization }</b> израсходовала { $used } из { $package } в этом месяце ({ $percent } %).
hours-alert-100 = 🚨 <b>{ $organization }</b> исчерпала пакет: { $used } из { $package } в этом месяце ({ $percent } %). Дальнейшие часы оплачиваются сверх пакета.
report-mail-subject = Отчёт о поддержке за { $period }: { $organization }
report-mail-body =
    Здравствуйте!

    Во вложении отчёт о поддержке { $organization } за { $period }: заявки, закрытые за период, время по каждой и часы по договору.

    Если что-то в нём кажется неверным, просто ответьте на это письмо.
month-name = { $month ->
    [1] январь
    [2] февраль
    [3] март
    [4] апрель
    [5] май
    [6] июнь
    [7] июль
    [8] август
    [9] сентябрь
    [10] октябрь
    [11] ноябрь
   *[12] декабрь
} { $year }

## issue 10, items 6 and 7: words, not exceptions; a refused login is said out loud
# Что случилось с почтовым сервером (deskbot.mailbox.failures.Kind), в середине фразы.
mail-problem-connection = почтовый сервер недоступен
mail-problem-timeout = почтовый сервер не ответил вовремя
mail-problem-tls = не удалось установить защищённое соединение с почтовым сервером (его сертификат не принят)
mail-problem-authentication = почтовый сервер не принял имя пользователя или пароль deskbot (или учётная запись заблокирована)
mail-problem-busy = почтовый сервер попросил повторить позже
mail-problem-recipient = почтовый сервер отклонил адрес { $address }
mail-problem-sender = почтовый сервер отклонил адрес отправителя deskbot
mail-problem-message = почтовый сервер отклонил письмо
mail-problem-too-big = письмо слишком велико для почтового сервера
mail-problem-folder = в почтовом ящике нет такой папки
mail-problem-other = почтовый сервер дал ответ, который deskbot не понимает
answer-retrying = ⚠️ Ваш ответ по #{ $number } пока не отправлен: { $problem }. deskbot повторяет сам, не реже раза в 5 минут, и сообщит, когда ответ будет доставлен.
answer-failed = ❌ Ваш ответ по #{ $number } не отправлен: { $problem }. Повторять не будем; ответ сервера администратор найдёт в журнале deskbot.
answer-failed-recipient = ❌ Ваш ответ по #{ $number } не отправлен: { $problem }. Проверьте адрес; повторять не будем.
answer-failed-too-big = ❌ Ваш ответ по #{ $number } не отправлен: { $problem }. Пришлите файлы поменьше или ссылку на них.
incident-mailbox = 🔐 deskbot не может читать почтовый ящик { $account }: { $problem }. Новые письма ждут на сервере, ничего не потеряется; deskbot повторяет каждые несколько минут и напишет здесь, когда всё заработает.
incident-mailbox-down = 📭 deskbot уже { $lasted } не может связаться с почтовым ящиком { $account }: { $problem }. Новые письма ждут на сервере, ничего не потеряется; deskbot продолжает попытки и напишет здесь, когда всё заработает.
incident-smtp = 🔐 deskbot не может отправлять почту через { $account }: { $problem }. Ответы и уведомления ждут в очереди, ничего не потеряется; deskbot повторяет каждые несколько минут и напишет здесь, когда почта снова пойдёт.
incident-smtp-down = 📮 deskbot уже { $lasted } не может связаться с почтовым сервером { $account }: { $problem }. Ответы и уведомления ждут в очереди, ничего не потеряется; deskbot продолжает попытки и напишет здесь, когда почта снова пойдёт.
incident-fix-mailbox-authentication = Что сделать: исправьте <code>mailbox.username</code> / <code>mailbox.password</code> и перезапустите deskbot или разблокируйте учётную запись на почтовом сервере.
incident-fix-smtp-authentication = Что сделать: исправьте <code>smtp.username</code> / <code>smtp.password</code> и перезапустите deskbot или разблокируйте учётную запись на почтовом сервере.
incident-fix-mailbox-folder = Что сделать: исправьте <code>mailbox.folder</code> и перезапустите deskbot.
incident-recovered-mailbox = ✅ Почтовый ящик { $account } снова работает (перерыв { $lasted }): новые письма читаются как обычно.
incident-recovered-smtp = ✅ Почта через { $account } снова уходит (перерыв { $lasted }): всё, что ждало, отправляется.
report-no-organization = Нет организации с доменом { $domain }.
report-no-contract = У { $organization } нет договора: добавьте его командой <code>deskbot contracts add</code>.
report-bad-month = { $month } — не месяц: напишите его как ГГГГ-ММ, например 2026-10.

## issue 10, item 2: quarantined mail reaches a person
quarantine-title = 📥 <b>Письмо отложено</b> · /quarantine_{ $id }
quarantine-from = От: { $sender }
quarantine-from-unknown = От: <i>отправителя прочитать не удалось</i>
quarantine-subject = Тема: { $subject }
quarantine-received = Получено: { $time }
quarantine-why-no-sender = Почему: не удалось прочитать адрес отправителя, ответить некому.
quarantine-why-own-address = Почему: письмо с нашего собственного адреса и не отвечает ни на один тикет.
quarantine-why-automatic = Почему: автоматическое письмо (отказ доставки, автоответ, рассылка), не относящееся к тикету.
quarantine-why-unstorable = Почему: база данных не смогла сохранить его как тикет.
quarantine-why-other = Почему: { $reason }
quarantine-machine = 🤖 Письмо от программы.
quarantine-released = ✅ { $who } сделал(а) из него тикет #{ $number } в { $time }.
quarantine-released-cli = ✅ Из него сделан тикет #{ $number } из командной строки в { $time }.
quarantine-dismissed = 🗑 { $who } отклонил(а) его в { $time }.
quarantine-dismissed-cli = 🗑 Отклонено из командной строки в { $time }.
quarantine-list-header = 📥 <b>Отложено { $count ->
    [one] { $count } письмо
    [few] { $count } письма
   *[many] { $count } писем
}</b> (новые сверху; откройте письмо, чтобы решить)
quarantine-list-empty = Отложенных писем нет.
quarantine-list-line = /quarantine_{ $id } { $subject } · { $sender }
quarantine-list-line-machine = /quarantine_{ $id } 🤖 { $subject } · { $sender }
quarantine-list-page = Страница { $page } из { $pages }
quarantine-notices-header = 📥 <b>Отложено писем от людей: { $count }</b>. Откройте каждое, чтобы сделать тикет или отклонить
quarantine-summary = 🤖 С прошлой сводки отложено { $count ->
    [one] { $count } автоматическое письмо
    [few] { $count } автоматических письма
   *[many] { $count } автоматических писем
} (отказы доставки, автоответы, рассылки). Список: /quarantine.
quarantine-no-sender = (отправитель неизвестен)
button-make-ticket = Сделать тикет
button-dismiss = Отклонить
button-older = ◀ Старше
button-newer = Новее ▶
quarantine-dispatchers-only = Видеть отложенные письма и решать их судьбу может только диспетчер.
quarantine-not-found = Отложенного письма { $id } нет.
quarantine-already-released = Из письма { $id } уже сделан тикет #{ $number } ({ $who }).
quarantine-already-released-cli = Из письма { $id } уже сделан тикет #{ $number } из командной строки.
quarantine-already-dismissed = Письмо { $id } уже отклонено ({ $who }).
quarantine-already-dismissed-cli = Письмо { $id } уже отклонено из командной строки.
quarantine-made-ticket = Тикет #{ $number } создан, его карточка следом.
quarantine-dismissed-alert = Отклонено.
card-no-reply-address = От: <i>адреса для ответа нет (отправителя прочитать не удалось)</i>

## issue 10, item 4: a reply acts on the ticket it replies to
prompt-kept-answer = ↪️ Ответ на сообщение относится к его тикету: этот — к #{ $replied }. Я всё ещё жду ваш ответ клиенту по #{ $number }: напишите его или /cancel — отмена.
prompt-kept-time = ↪️ Ответ на сообщение относится к его тикету: этот — к #{ $replied }. Я всё ещё жду время, потраченное на #{ $number }: напишите его или /cancel — отмена.
prompt-kept-question = ↪️ Ответ на сообщение относится к его тикету: этот — к #{ $replied }. Я всё ещё жду ваш вопрос для { $name } по #{ $number }: напишите его или /cancel — отмена.
prompt-kept-note = ↪️ Ответ на сообщение относится к его тикету: этот — к #{ $replied }. Я всё ещё жду вашу заметку по #{ $number }: напишите её или /cancel — отмена.
prompt-kept-help-time = ↪️ Ответ на сообщение относится к его тикету: этот — к #{ $replied }. Я всё ещё жду время, потраченное вами на помощь по #{ $number }: напишите его или /cancel — отмена.

# --- issue12-demo-page ---
# The words of the `deskbot demo` page (demo/web/), served as GET /api/words?lang=...
demo-page-title = Демо deskbot
demo-page-hint = Напишите в поддержку как клиент, затем ведите заявку в чатах: нажимайте кнопки, пишите, отвечайте.
demo-page-burst = Отправить 50 писем
demo-page-language = Язык
demo-page-status-live = на связи
demo-page-status-connecting = подключение…
demo-page-status-offline = нет связи, подключаюсь…
demo-page-group-pane = Групповой чат диспетчеров
demo-page-private-pane = Личный чат специалиста с ботом
demo-page-mail-pane = Почтовый ящик клиента
demo-page-acting-as = Кто
demo-page-specialist = Специалист
demo-page-bot-name = deskbot
demo-page-mailbox = Почта
demo-page-mailbox-empty = Писем пока нет. Напишите в поддержку.
demo-page-chat-empty = Сообщений пока нет.
demo-page-message-placeholder = Сообщение
demo-page-send = Отправить
demo-page-replying-to = Ответ на
demo-page-cancel-reply = Отменить ответ
demo-page-reply-to-message = Ответить
demo-page-edited = изменено
demo-page-deleted = Сообщение удалено
demo-page-write = Написать в поддержку
demo-page-reply = Ответить
demo-page-back = Назад
demo-page-from = От
demo-page-to = Кому
demo-page-date = Дата
demo-page-subject = Тема
demo-page-text = Текст
demo-page-tab-group = Диспетчеры
demo-page-failed = Не сделано:

# --- issue13-web ---
web-site-name = Поддержка
web-skip-to-content = К содержимому
web-home = На главную
web-log-out = Выйти
web-log-out-everywhere = Выйти на всех устройствах
web-form-expired-title = Форма устарела
web-form-expired = Форма устарела или отправлена не с этого сайта. Вернитесь, обновите страницу и отправьте её снова.
web-not-found-title = Не найдено
web-not-found = Здесь ничего нет, или это вам не видно.
web-login-title = Вход
web-login-intro = Введите свой адрес электронной почты: мы пришлём шестизначный код для входа.
web-login-email = Адрес электронной почты
web-login-send-code = Прислать код
web-login-bad-address = Это не похоже на адрес электронной почты.
web-login-too-many = Запрошено слишком много кодов. Подождите четверть часа и попробуйте снова.
web-code-title = Введите код
web-code-intro = Если адресу { $email } можно входить сюда, на него отправлен шестизначный код. Он действует 10 минут.
web-code-label = Код из письма
web-code-confirm = Войти
web-code-again = Прислать новый код
web-login-bad-code = Код неверен, уже использован или истёк. После 5 неверных попыток код перестаёт действовать: запросите новый.
web-code-mail-subject = Ваш код для входа: { $code }
web-code-mail-text = Ваш код для входа в личный кабинет поддержки: { $code }
    Он действует { $minutes ->
        [one] { $minutes } минуту
        [few] { $minutes } минуты
       *[many] { $minutes } минут
    }. Введите его на странице входа или откройте эту страницу и нажмите «Войти»:
    { $link }
    Если вы не запрашивали код, просто не обращайте внимания на это письмо: без кода никто не войдёт.
web-staff-confirm-title = Вход
web-staff-confirm-intro = Вы открыли ссылку для входа из Telegram. Нажмите кнопку, чтобы войти под своим именем.
web-staff-confirm = Войти
web-link-spent-title = Ссылка больше не действует
web-link-spent = Ссылка для входа действует один раз и 10 минут. Отправьте боту /web ещё раз, чтобы получить новую.
web-staff-sign-in-title = Вход через Telegram
web-staff-sign-in = Сотрудники входят по ссылке: отправьте боту /web в личном чате.
web-staff-title = Сотрудники
web-staff-signed-in = Вы вошли как { $name } (роли: { $roles }).
web-tickets-title = Заявки
web-tickets-whose-own = Заявки, которые открыли вы ({ $email }).
web-tickets-whose-org = Все заявки вашей организации: вы её ответственное лицо ({ $email }).
web-tickets-status = Статус
web-tickets-any-status = любой
web-tickets-search = Номер или слова из темы
web-tickets-filter = Показать
web-tickets-count = { $count ->
    [one] { $count } заявка
    [few] { $count } заявки
   *[many] { $count } заявок
}
web-tickets-none = Подходящих заявок нет.
web-col-number = Номер
web-col-subject = Тема
web-col-status = Статус
web-col-opened-by = Кто открыл
web-col-opened = Открыта
web-col-closed = Закрыта
web-col-time = Затрачено
web-no-subject = (без темы)
web-pages = Страницы
web-page-newer = ◀ Новее
web-page-older = Старее ▶
web-page-of = Страница { $page } из { $pages }
web-back-to-tickets = ◀ Все заявки
web-conversation = Переписка
web-conversation-empty = Сообщений пока нет.
web-command-link = 🔑 Ваша ссылка для входа на веб-страницы (действует один раз, 10 минут; не пересылайте её):
    { $link }
web-command-off = Веб-страницы выключены (в конфигурации пустой web.listen).

# --- issue13-cabinet ---
web-menu = Кабинет
web-menu-tickets = Заявки
web-menu-reports = Отчёты
web-menu-finance = Финансы
web-menu-account = Профиль
web-reports-title = Ежемесячные отчёты
web-reports-none = Отчётов пока не присылали.
web-col-month = Месяц
web-col-tickets = Заявок
web-col-total = К оплате
web-col-sent = Отправлен
web-col-file = PDF
web-col-asked = Когда
web-report-open = Открыть
web-report-download = Скачать
web-finance-title = Договор и часы
web-finance-contract = Договор
web-finance-kind = Вид
web-finance-number = Номер
web-finance-start = С
web-finance-fee = Абонентская плата
web-finance-included = Часов в месяц по договору
web-finance-rate = Ставка за час
web-finance-overage-rate = Ставка сверх пакета
web-finance-bonus = Бонусные часы
web-finance-manager = Ваш персональный менеджер
web-finance-no-manager = команда наших менеджеров
web-finance-hours = { $hours } ч
web-finance-unlimited = без ограничений
web-finance-this-month = Этот месяц на сегодня
web-finance-used = Израсходовано часов
web-finance-left = Осталось часов
web-finance-beyond = Сверх пакета
web-tariff-title = Сменить тариф
web-tariff-what = Что изменить
web-tariff-choose = Выберите, что изменить.
web-tariff-comment = Комментарий
web-tariff-send = Отправить менеджеру
web-tariff-sent = Ваш запрос передан менеджеру, он вам ответит.
web-tariff-asked = Ваши запросы
web-tariff-change-more_hours = Больше часов
web-tariff-change-fewer_hours = Меньше часов
web-tariff-change-other_tariff = Другой тариф
web-tariff-change-other = Другое
web-tariff-status-open = открыт
web-tariff-status-answered = отвечен
web-account-title = Профиль
web-account-name = Имя
web-account-email = E-mail
web-account-role = Видит
web-account-customer = свои заявки
web-account-client-manager = заявки всей организации (менеджер клиента)
web-account-ends = Истекает
web-account-everywhere-note = Входили с чужого компьютера? «Выйти на всех устройствах» завершит все сеансы, и этот тоже.
tariff-notice = 📝 <b>{ $organization }</b> ({ $domain }) просит сменить тариф: <b>{ $change }</b>. Запросил(а) { $who }.
tariff-notice-terms = Договор { $number }: { $fee } { $currency } в месяц, { $included } ч по договору + { $bonus } ч бонус, { $overage_rate } { $currency }/ч сверх пакета.
tariff-notice-month = Этот месяц на сегодня: { $used } ч израсходовано, { $left } ч осталось, { $beyond } ч сверх пакета.
tariff-notice-comment = Комментарий: { $comment }
button-tariff-answered = ✅ Отвечено
alert-tariff-answered = Отмечено как отвеченное: клиент увидит это в кабинете.
alert-tariff-already-answered = На этот запрос уже ответили.
alert-tariff-manager-only = Отмечать запросы о тарифе может только менеджер.

# --- issue13-form ---
web-form-title = Написать в поддержку
web-form-intro = Расскажите своими словами, что случилось. Номер заявки вы получите сразу, а ответ — по электронной почте.
web-form-type = О чём заявка?
web-form-type-choose = Выберите…
web-form-name = Ваше имя
web-form-email = Ваш адрес электронной почты
web-form-subject = Тема (несколько слов)
web-form-text = Что случилось, что нужно
web-form-files = Файлы, снимки экрана (до { $mb } МБ вместе)
web-form-trap = Оставьте это поле пустым
web-form-send = Отправить заявку
web-form-need-type = Выберите, о чём заявка.
web-form-need-email = Укажите адрес электронной почты, например name@example.com: ответ придёт туда.
web-form-need-name = Для такой заявки нужно ваше имя.
web-form-need-subject = Для такой заявки нужна тема.
web-form-need-text = Напишите, что случилось.
web-form-text-too-long = Текст слишком длинный: не больше { $max } знаков. Сократите его или приложите файлом.
web-form-need-attachment = Для такой заявки нужен файл (снимок экрана, документ).
web-form-files-too-big = Файлы слишком большие: не больше { $mb } МБ вместе, 10 файлов. Ваш текст сохранён: выберите файлы поменьше и отправьте снова.
web-form-too-many = Слишком много заявок из вашей сети за последний час. Ваш текст сохранён: попробуйте позже или напишите нам письмо.
web-form-not-stored = Не удалось сохранить заявку. Ваш текст сохранён: отправьте его ещё раз через минуту.
web-form-sent-title = Заявка принята
web-form-sent-ticket = Номер вашей заявки — #{ $number }.
web-form-sent-mail = Подтверждение отправлено на { $email }. Чтобы что-то добавить, ответьте на это письмо.
web-form-sent-reply = Ваше сообщение добавлено в заявку #{ $number }.
web-form-sent-kept = Спасибо: заявка получена, её посмотрит сотрудник.
web-form-another = Написать ещё одну заявку

# --- issue13-cabinet ---
web-files = Вложения
web-file-open = открыть
web-file-not-kept = не сохранено
web-size-bytes = { $n } байт
web-size-kb = { $n } КБ
web-size-mb = { $n } МБ
web-tickets-period = Открыта
web-tickets-any-time = когда угодно
web-period-this-month = в этом месяце
web-period-last-month = в прошлом месяце
web-period-last-3-months = за последние 3 месяца
web-period-this-year = в этом году
web-tickets-from = С
web-tickets-to = По
web-login-no-account = Нужна помощь?
web-login-write-request = Оставьте заявку без входа
web-sessions-title = Где выполнен вход
web-session-device = { $browser }, { $system }
web-session-unknown-device = Неизвестный браузер
web-session-this = (этот браузер)
web-session-address = Адрес
web-session-started = Вход
web-session-seen = Последний раз
web-session-end = Завершить
web-session-end-label = Завершить сеанс, начатый { $started }
web-staff-roles = Роли
# --- issue13-board ---
web-board-title = Доска
web-board-department = Отдел
web-board-all-departments = Все отделы
web-board-person = Сотрудник
web-board-everyone = Все
web-board-show = Показать
web-board-clear = Показать всё
web-board-refresh = Обновить
web-board-live = Доска обновляется сама каждые 10 секунд.
web-board-col-new = Новые
web-board-col-assigned = Назначены
web-board-col-in_progress = В работе
web-board-col-waiting = Ждут клиента
web-board-col-closed_today = Закрыты сегодня
web-board-new-unfiltered = Новые заявки видны при любом фильтре: они ещё ничьи.
web-board-organization = Организация
web-board-assignee = Исполнитель
web-board-age = Возраст
web-board-closed-at = Закрыта в
web-board-stale-new = Залежалась: не назначена { $age }
web-board-stale-work = Залежалась: без движения { $age }
web-board-assign-to = Назначить #{ $number }
web-board-choose = Выберите сотрудника…
web-board-assign = Назначить
web-board-assigned = Заявка #{ $number } назначена: { $whom }. Карточка в Telegram уже отправляется.
web-board-choose-person = Выберите, кому назначить заявку.
web-board-empty = Нет.
web-board-more = { $count ->
    [one] и ещё { $count }, не показана
    [few] и ещё { $count }, не показаны
   *[many] и ещё { $count }, не показаны
}
web-board-updated = Обновлено в { $time }.

# --- issue14-assign ---
## Автоматическое назначение (dispatch/assignment.py) и /away, /back

assign-why-round_robin = по очереди
assign-why-least_loaded = меньше всего открытых тикетов
card-auto-assigned = 🤖 Назначен автоматически: { $assignee }, в { $time } ({ $why }).
card-taken-off = ↪️ { $dispatcher } передал(а) тикет исполнителю { $assignee }.
card-taken-over = ↪️ { $dispatcher } взял(а) тикет себе.
card-passed-on = ⌛ Не взят вовремя: передан исполнителю { $assignee }.
card-passed-back = ⌛ Не взят вовремя: возвращён диспетчеру.
card-not-taken = ⌛ Никто не взял тикет вовремя (последним был { $who }): выберите исполнителя.
assigned-to-you-auto = 📌 <b>Вам назначен тикет</b> ({ $why })
alert-auto-assigned = Назначен исполнитель { $assignee } ({ $why }). Чтобы изменить, выберите другого.
alert-nobody-available = Автоматически назначить некого ({ $reason }). Выберите исполнителя.
away-open = 🌴 Вы отсутствуете: автоматически тикеты вам не назначаются, пока вы не отправите /back.
away-until = 🌴 Вы отсутствуете до { $until }: до этого времени тикеты вам автоматически не назначаются (или /back).
away-unreadable = Не понимаю «{ $text }». Отправьте /away без срока (до /back), /away 3d, /away 4h или /away 2026-12-31 (включая этот день).
back = 👋 С возвращением: тикеты снова назначаются вам.
back-not-away = Вы и не отсутствовали.
staff-away-open = 🌴 { $name } отсутствует до особого распоряжения.
staff-away-until = 🌴 { $name } отсутствует до { $until }.
staff-back = 👋 { $name } вернулся(-лась).
nobody-away = Все на месте.
away-header = 🌴 <b>Отсутствуют: { $count }</b>
away-line-open = { $name }, без срока
away-line-until = { $name }, до { $until }

# --- issue14-sla ---
sla-warning = ⏳ <b>{ $count ->
    [one] { $count } срок по SLA скоро истечёт
    [few] { $count } срока по SLA скоро истекут
   *[many] { $count } сроков по SLA скоро истекут
}</b>
sla-breach = 🚨 <b>{ $count ->
    [one] Нарушен { $count } срок по SLA
    [few] Нарушено { $count } срока по SLA
   *[many] Нарушено { $count } сроков по SLA
}</b>
sla-warning-line = /ticket_{ $number } { $subject } · { $target } до { $due }, осталось { $left } рабочего времени
sla-breach-line = /ticket_{ $number } { $subject } · { $target }: срок был { $due } · { $assignee }
sla-breach-line-nobody = /ticket_{ $number } { $subject } · { $target }: срок был { $due } · не назначена
sla-target-first_response = первый ответ
sla-target-resolution = решение
web-board-sla-breached = SLA нарушен: { $target } — срок был { $due }
web-board-sla-warning = SLA скоро: { $target } до { $due }
web-board-sla-first_response = первый ответ
web-board-sla-resolution = решение
report-sla = Уровень обслуживания (SLA)
report-sla-tickets = Тикетов со сроками по SLA
report-sla-first-response = Первый ответ
report-sla-resolution = Решение
report-sla-counts = в срок { $met } · с нарушением { $breached } · ещё открыты { $open }
# --- issue14-rules ---
card-priority-low = 🔽 Приоритет: низкий
card-priority-high = 🔺 Приоритет: высокий
card-priority-urgent = 🔥 Приоритет: срочный
card-tags = 🏷 { $tags }
card-assigned-by-rule = ✅ Назначен на { $assignee } правилом «{ $rule }» в { $time }.
assigned-to-you-by-rule = 📌 <b>Вам назначен тикет правилом «{ $rule }»</b>
card-rule = ⚙️ { $what } — правило «{ $rule }» ({ $why })
rule-what = { $what }
rule-did-priority = приоритет { $priority }
rule-notice = 🔔 Правило «{ $rule }» сработало на тикете #{ $number } ({ $why })
priority-low = низкий
priority-normal = обычный
priority-high = высокий
priority-urgent = срочный
rule-why-always = без условий
rule-why-from = от { $value }
rule-why-domain = домен { $value }
rule-why-organization = организация { $value }
rule-why-contract-yes = есть договор
rule-why-contract-no = без договора
rule-why-subject = в теме «{ $value }»
rule-why-subject_regex = тема совпала с «{ $value }»
rule-why-text = в тексте «{ $value }»
rule-why-text_regex = текст совпал с «{ $value }»
rule-why-request_type = тип заявки { $value }
rule-why-attachments-yes = есть вложения
rule-why-attachments-no = без вложений
rule-why-in_hours-yes = в рабочее время
rule-why-in_hours-no = в нерабочее время
rules-none = В конфигурации нет правил маршрутизации ([[rules]]).
rules-set-first = Набор правил «{ $set }»: срабатывает первое подходящее правило
rules-set-all = Набор правил «{ $set }»: срабатывают все подходящие правила
rules-rule = { $number }. «{ $rule }» при событии { $trigger }{ $after }
rules-after = , через { $after }
rules-if = { "  " }если: { $conditions }
rules-if-always = { "  " }если: всегда
rules-then = { "  " }то: { $actions }
rules-test-new = Письмо от { $sender }, «{ $subject }»: новый тикет.
rules-test-reply = Письмо от { $sender }, «{ $subject }»: ответ в тикет #{ $number }.
rules-test-not-ticket = Это письмо не откроет тикет ({ $outcome }): правила на нём не срабатывают.
rules-test-fires = Срабатывает «{ $rule }» (набор «{ $set }»): { $why }
rules-test-then = { "  " }то: { $actions }
rules-test-none = Ни одно правило не срабатывает.
rules-test-open = Сейчас рабочее время.
rules-test-closed = Сейчас нерабочее время.
web-col-priority = Приоритет
web-priority-low = низкий
web-priority-normal = обычный
web-priority-high = высокий
web-priority-urgent = срочный
web-board-tags = Метки

# --- issue13-search ---
web-tickets-short-search = Текст короче 3 символов ищется только в { $count } последних заявках: чтобы искать во всех, введите 3 символа или больше.
web-tickets-many-matches = Подходит больше { $count } заявок: показаны { $count } последних. Чтобы найти более старые, уточните текст, состояние или период.
