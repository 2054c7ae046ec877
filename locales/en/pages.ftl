# The consumer's pages. Staff pages stay in English in their templates.

## Every page

layout-skip = Skip to main content
layout-brand = Privacy requests
layout-nav = Main
layout-nav-rights = Your rights
layout-nav-status = Check a request
layout-gpc-title = Opt-out preference signal honored.
layout-gpc-text = Your browser sent a Global Privacy Control signal: we treat it as your request to opt out of the sale and sharing of your personal information.
layout-non-discrimination = We will not discriminate against you for exercising your privacy rights, for example by denying you goods or services or charging you a different price, except as California law allows.
layout-no-account = No account is needed.
layout-contact = Questions about your privacy? Contact { $business }:
layout-contact-us = Questions about your privacy? Contact us:

## Checking a request

status-title = Check a request
status-request = Request
status-what-you-asked = What you asked
status-status = Status
status-received-on = Received
status-more-time = We needed more time to answer, because: { $reason }
status-our-answer = Our answer: { $outcome }.
status-waiting-for-you = We are waiting for you to { $what } with the link we sent you. Cannot find it?
status-link-for-opt-in = confirm or decline opting back in
status-link-for-agent = confirm or reject the agent who filed for you
status-link-for-email = confirm your e-mail address
status-send-new-link = Send me a new confirmation link
status-check-another = Check another request below.
status-not-found = We could not find a request with that tracking code and e-mail address. Check both and try again.
status-tracking-code = Tracking code
status-tracking-code-hint = It looks like RD-7K3M-Q9PX and is in your receipt e-mail.
status-email = E-mail address you used
status-check = Check status
status-privacy-request = Privacy request
status-checking-identity = Checking identity: we are matching your details against our records
status-notice-too-many = Too many look-ups came from your network in the last minute. Wait a minute, then try again.
status-notice-link-sent = We sent a new confirmation link to your e-mail address. Earlier links no longer work.
status-notice-no-link-needed = This request needs no link from you: we are checking your agent's power of attorney.
status-notice-capped = We have already sent this address several e-mails today. To protect it from unwanted mail we will not send another before tomorrow; the last link we sent still works.
notice-status = We use the tracking code and e-mail address only to find your request and show you its status. This look-up is not stored.

## After filing

submitted-title = Request received
submitted-heading = We received your request
submitted-your-code = Your tracking code is
submitted-write-down = Write it down: with it and your e-mail address you can
submitted-check-link = check your request
submitted-write-down-after = { " " }at any time.
submitted-next = What happens next
submitted-receipt-sent = We have sent a receipt to
submitted-verify-step = To protect your information, we confirm that the request comes from you: watch for an e-mail with a link to confirm your address. We may ask for details that match our records.
submitted-then-answer = Then we work on your request and send you our answer.
submitted-no-check = No identity check is needed.
submitted-apply-step = We apply your choice and e-mail you when it is done.
submitted-reach-us = Questions about your request? You can also reach us { $ways }.
submitted-dates = Dates that apply
submitted-gpc = Your browser's Global Privacy Control signal was also recorded as a request to opt out of the sale and sharing of your personal information (tracking code { $code }).
submitted-back = Back to your rights

## Links from e-mails

verify-tracking-code = Tracking code:
verify-your-declaration = Your declaration
verify-declaration-why = Because this request asks for a copy of your personal information, California rules ask you, the consumer, to sign this declaration. Your agent cannot sign it for you.
verify-agent-yes = Yes, I authorized them
verify-agent-no = No, reject this request
verify-email-button = Confirm my e-mail address
verify-new-link = Get a new link on the status page
verify-check-request = Check your request
verify-an-agent = An agent
verify-agent-heading = Did you authorize this agent?
verify-agent-message = { $who } made this request for you: { $kind }. Confirm it if you asked them to; reject it if you did not, and we will not act on it.
verify-email-heading = Confirm your e-mail address
verify-email-message = Press the button to confirm that you made this request: { $kind }.
verify-rejected-heading = Thank you: we will not act on this request
verify-rejected-message = You told us you did not authorize this agent. We have closed the request and told the agent.
verify-sign-below = To confirm this request for you ({ $kind }), sign the declaration below.
verify-declaration-error = Type your full name and tick the box to sign the declaration.
verify-answer-by = We will answer by { $date }.
verify-confirmed-heading = Thank you: your e-mail address is confirmed
verify-confirmed-working = We are now working on your request: { $kind }.
verify-confirmed-matching = We still need to match a few details against our records before we can act on your request: { $kind }. We may contact you about them.
verify-used-heading = This link was already used
verify-used-message = Your e-mail address was already confirmed with this link. There is nothing more to do: you can check your request's status at any time.
verify-expired-heading = This link has expired
verify-expired-message = For your security, confirmation links work for a limited time, and only the newest one works. You can ask for a new link on the status page.
verify-not-waiting-heading = No confirmation is needed any more
verify-not-waiting-message = This request no longer waits for your confirmation. Its status: { $status }.
verify-invalid-heading = This link is not valid
verify-invalid-message = The link may have been copied incompletely. Open it again from the e-mail, or ask for a new one on the status page with your tracking code.

## Downloading an answer

download-title = Download your information
download-confirm-email = To protect your information, confirm the e-mail address you made the request with. We will send a one-time code to it.
download-email = E-mail address
download-send-code = Send me a code
download-code = One-time code
download-button = Download
download-no-code = No code? Send a new one to your address:
download-send-new-code = Send a new code
download-invalid = This download link is not valid. Open it again from the e-mail we sent you.
download-expired = This download link has expired. Contact us with your tracking code and we will send a new one.
download-locked = Too many wrong tries: for your security this download link is now locked, and no new code will make it work again. Contact { $business } and give the tracking code from our e-mails; we will check it is you and send you a new link.
download-wrong-email = That is not the e-mail address this request was made with.
download-code-sent = We sent a one-time code to your e-mail address. Enter it below to download your information.
download-wrong-code = That code is not right, or it has expired or been used. Check the latest e-mail, or ask for a new code.

## A request from an authorized agent's app (Data Rights Protocol)

drp-check-email = Check your e-mail
drp-confirm-title = Confirm it is you
drp-sent = We sent a new link to the e-mail address you gave your authorized agent. Open it to confirm it is you; you will then be sent back.
drp-opt-in = Your authorized agent asked us to opt you back in to the sale and sharing of your personal information. Only you can confirm that: we e-mailed a link to the address you gave them. Open it to confirm or decline. Until you do, nothing changes.
drp-awaiting = Your authorized agent made a privacy request for you. To protect your information, we need to know the request is yours: we e-mailed a link to the address you gave your agent. Open it to confirm, and you will be sent back.
drp-cannot-find = Cannot find the message? Look in your spam or junk folder, or ask for a new link. It goes to the same address, never to one typed here.
drp-send-new-link = Send me a new link
drp-nothing-title = Nothing to do
drp-nothing = This request does not need you to confirm anything now. Your authorized agent keeps you informed of its progress.

## Opting back in

opt-in-heading = Opt back in to the sale and sharing of your personal information?
opt-in-asked-by-named = { $agent }, an authorized agent, asked us on your behalf to opt you back in to the sale and sharing of your personal information. Only you can confirm it.
opt-in-asked-by-agent = An authorized agent asked us on your behalf to opt you back in to the sale and sharing of your personal information. Only you can confirm it.
opt-in-means-title = What opting back in means
opt-in-means-remove = We remove your opt-out: we may then sell your personal information, or share it for cross-context behavioral advertising, as our privacy policy describes.
opt-in-means-again = You can opt out again at any time, free of charge and without an account.
opt-in-means-nothing = Nothing changes unless you confirm. If you decline, your opt-out stays in place.
opt-in-means-nothing-by = Nothing changes unless you confirm. If you decline, or do not answer by the end of { $date }, your opt-out stays in place.
opt-in-gpc-title = Your browser asks us not to sell or share your information.
opt-in-gpc-text = It sends a Global Privacy Control signal, which conflicts with opting back in, so we will not opt you in from this browser. To opt back in, open the link from the e-mail in a browser that does not send the signal. You can decline here.
opt-in-yes = Yes, opt me back in
opt-in-no = No, keep my opt-out
opt-in-opt-out-again = : opt out again at any time.
opt-in-done-heading = Done: you opted back in
opt-in-done-message = We removed your opt-out of the sale and sharing of your personal information, and sent you a confirmation by e-mail. You can opt out again at any time.
opt-in-declined-heading = Thank you: nothing changed
opt-in-declined-message = You declined to opt back in. Your opt-out stays in place, and we have closed the request.
opt-in-used-message = Your answer was already recorded with this link; there is nothing more to do. Status: { $status }.
opt-in-expired-message = The time to confirm this opt-in has passed, or a newer link replaced this one. If it was not confirmed, nothing changed: your opt-out stays in place.
opt-in-not-waiting-heading = This opt-in no longer waits for your answer
opt-in-status = Its status: { $status }.
opt-in-choose-one = Choose one of the two buttons.
opt-in-not-applied-gpc = We did not opt you in. Your browser sends a Global Privacy Control signal, which asks us not to sell or share your personal information, and we honor it. Nothing changed.

## An agent following a request

agent-status-intro = You filed this request as an authorized agent.
agent-status-what = What was asked

## The list of rights

home-title = Your privacy rights
home-lead = California law gives you control over the personal information { $business } holds about you. Choose what you want to do. You do not need an account, and it is free.
home-opt-out-summary = Stop the sale and sharing of your personal information. No identity check, and no personal information needed.
home-limit-summary = Have your sensitive personal information used only to serve you. No identity check, and no personal information needed.
home-already = Already made a request?
home-check-status = Check its status
home-check-status-after = { " " }with your tracking code.

## The forms

form-all-rights = All your rights
form-about-you = About you
form-full-name = Full name
form-name-optional = Name (optional)
form-email = E-mail address
form-email-hint = We send your receipt and a link to confirm this address here.
form-email-hint-choice = We use it only to apply your choice and to confirm when it is done.
form-phone = Phone number
form-phone-optional = Phone number (optional)
form-phone-hint-copy = Give a phone number, a postal address, or both: we match them against our records to make sure only you receive your data.
form-helps-find = Helps us find your records.
form-address = Postal address
form-address-optional = Postal address (optional)
form-california-resident = I am a California resident
form-lookback = How far back?
form-lookback-12 = The last 12 months
form-lookback-2022 = Everything since January 1, 2022
form-correct-legend = What should we correct?
form-correction-field = Which information is wrong?
form-correction-field-hint = For example: postal address, date of birth, name spelling.
form-current-value = What it says now (optional)
form-corrected-value = What it should say
form-document = A document that shows the correct information (optional)
form-document-hint = We use it only for this correction.
form-file-hint = PDF, PNG or JPEG, up to { $mb } MB.
form-details = Anything else we should know? (optional)
form-details-hint = For example, accounts or services you used with us.
form-format-legend = Do you need our answer in another format? (optional)
form-format-none = No, the usual format
form-format-large-print = Large print
form-format-audio = Audio
form-format-braille = Braille
form-format-other = Another format (say which below)
form-format-note = Which format, or what else would help? (optional)
form-declaration = Declaration
form-declaration-why = Because you are asking for a copy of your personal information, California rules ask you to sign this declaration:
form-declaration-agent-hint = Filing as an agent with the consumer's signed permission? Leave this empty: the consumer signs it from the link we e-mail them. With a power of attorney, or as the parent or guardian of a child under 13, you sign it with your own name.
form-submit = Send request
form-agent-summary = Filing for someone else?
form-agent-hint = For authorized agents, and for a parent or legal guardian of a child under 13. Give the consumer's details above, and yours here.
form-agent-for-someone = I am filing this request for the person named above
form-agent-name = Your name
form-agent-organisation = Your organisation (optional)
form-agent-email = Your e-mail address
form-agent-email-hint = We send you the receipt and every update.
form-authority = Your authority
form-authority-permission = I have the consumer's signed permission (attach it below)
form-authority-poa = I hold a power of attorney under California Probate Code §§4121–4130
form-authority-guardian = I am the parent or legal guardian of the consumer, a child under 13 (attach proof below, such as a birth certificate or guardianship order)
form-permission = The signed permission, the power of attorney (optional), or the proof that you are the child's parent or guardian
form-agent-declaration = I declare that I am authorized to make this request for the consumer named above
form-guardian-declaration = Only for a parent or legal guardian: I declare that I am the parent or legal guardian of the child named above, that the child is under 13, and that I make this request on the child's behalf
form-agent-submit = Send request for this person
form-browser-title = Without giving any details
form-browser-text = We record your choice for this browser on this site. You do not give us your name or e-mail address, so we cannot send you a confirmation or apply it anywhere else.
form-browser-opt-out = Opt out for this browser
form-browser-limit = Limit the use for this browser
form-with-email-title = With a confirmation by e-mail
form-with-email-text = Give your e-mail address: we apply your choice to the information we hold under it, wherever you use our services, and e-mail you when it is done.
form-with-email-opt-out = Opt out and confirm by e-mail
form-with-email-limit = Limit the use and confirm by e-mail

## A choice recorded for one browser

browser-title = Choice recorded for this browser
browser-heading-opt-out = Your opt-out is recorded for this browser
browser-heading-limit = Your limit is recorded for this browser
browser-covers = What it covers
browser-covers-this-strong = This browser, on this site.
browser-covers-this = We keep a random number in a cookie in this browser, and we apply your choice whenever this browser comes back.
browser-covers-not-other-strong = Not other browsers or devices
browser-covers-not-other = , and not this browser if you clear its cookies: we do not know who you are, so we cannot recognise you there.
browser-covers-not-records-strong = Not the information we hold under your name or e-mail address.
browser-covers-not-records-before = For that,
browser-covers-not-records-link = make the same choice with your e-mail address
browser-covers-not-records-after = ; we then apply it to your records and confirm it by e-mail.
browser-gpc = Your browser can also send the Global Privacy Control signal: we treat it as the same choice on every visit.

## The "Your Privacy Choices" snippet for the business's site

choices-title = "Your Privacy Choices" link for your site
choices-heading = The "Your Privacy Choices" link
choices-lead = California's regulations let a business offer one link, "Your Privacy Choices", with this icon, in place of the separate opt-out and limit links (reg. §7015). It leads to the choices on this portal.
choices-looks = How it looks
choices-link-text = Your Privacy Choices
choices-html = The HTML for your site
choices-paste = Paste this where your site's footer links are. Keep the icon beside the words and about the size of the text around it.
choices-icon-alone = The icon alone:
choices-icon-size = (SVG, 30 × 14).

## Shine the Light (Civ. §1798.83)

stl-home-title = Direct marketing disclosures ("Shine the Light")
stl-home-text = Separately from the rights above, California law lets you ask once a year which companies we gave your personal information to for their own direct marketing.
stl-lead = California's "Shine the Light" law (Civil Code §1798.83) lets you ask us, once a calendar year, which kinds of personal information we gave to other companies for their own direct marketing in the previous calendar year, and which companies they were. It is free, and you do not need an account.
stl-separate = This is separate from your rights under the California Consumer Privacy Act. We do not need to check your identity beyond your e-mail address: our answer holds no personal information about you.
stl-email-hint = We send your receipt, a link to confirm this address, and our answer here.
stl-address-hint = Only if you also want our answer by mail.
stl-notice-collection = What we collect and why: the name, e-mail address and (if you give one) postal address on this form, only to answer this request, and for nothing else. How long: we keep the record of your request for { $months } months, as California rules require, and then delete the personal information in it.
stl-already-answered = We already sent you this year's answer, with your request { $code }. The law gives this answer once a calendar year, so we are sending a copy of it to { $email } now.
stl-receipt-step = We have sent a receipt to { $email }, with a link to confirm that address. That is all we need from you.
stl-linked-step = You already made this request this year ({ $code }). We answer both together.
stl-answer-step = Then we send you our answer by e-mail.
