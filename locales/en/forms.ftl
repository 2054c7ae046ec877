# Words shared by pages and e-mails: dates, rights, statuses, outcomes, form errors,
# error pages, the business's contact details.

## Dates: "Monday, November 30, 2026"

date-long = { $weekday }, { $month } { $day }, { $year }
weekday-1 = Monday
weekday-2 = Tuesday
weekday-3 = Wednesday
weekday-4 = Thursday
weekday-5 = Friday
weekday-6 = Saturday
weekday-7 = Sunday
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December

date-confirm-by = We confirm receipt and explain the next steps by
date-respond-by = We answer your request by
date-comply-by = We apply your choice no later than
date-closed-on = Closed on

## The rights

kind-know_categories = Know what personal information is collected
kind-know_specific = Get a copy of your personal information
kind-delete = Delete your personal information
kind-correct = Correct your personal information
kind-opt_out = Do Not Sell or Share My Personal Information
kind-limit_sensitive = Limit the Use of My Sensitive Personal Information
kind-opt_in = Opt back in to sale/sharing
kind-know_categories-summary = Find out which kinds of personal information we collect about you, where it comes from, why we use it and who we share it with.
kind-know_specific-summary = Receive a copy of the specific pieces of personal information we hold about you, in a file you can download and reuse.
kind-delete-summary = Ask us to delete the personal information we collected from you.
kind-correct-summary = Tell us about personal information we hold that is wrong, and what it should say.
kind-opt_out-summary = Tell us to stop selling or sharing your personal information. No identity check is needed.
kind-limit_sensitive-summary = Tell us to use your sensitive personal information only for what is needed to serve you. No identity check is needed.
kind-opt_in-summary = Let us sell or share your personal information again, after you opted out. It takes effect only when you confirm it from the link we e-mail you.

## Statuses, as the consumer reads them

status-received = Received
status-awaiting_verification = Waiting for you to confirm your e-mail address
status-verified = Identity confirmed
status-in_progress = Being processed
status-fulfilled = Completed
status-partially_fulfilled = Partly completed
status-denied = Declined
status-withdrawn = Withdrawn
status-closed_unverified = Closed: identity could not be verified
status-opt_in-awaiting_verification = Waiting for you to confirm the opt-in from the link we e-mailed you
status-opt_in-fulfilled = Completed: you opted back in
status-opt_in-closed_unverified = Closed: the opt-in was not confirmed, so your opt-out stays in place

## Outcomes and reasons for a denial

outcome-closed = Closed
outcome-fulfilled = Completed
outcome-partially_fulfilled = Completed in part
outcome-applied = Applied and added to the suppression list
outcome-withdrawn = Withdrawn at your request
outcome-agent_not_authorized = The agent's authority to act for you was not confirmed
outcome-opt_in_not_confirmed = The opt-in was not confirmed in time, so it was not applied; the opt-out stays in place
outcome-opt_in_declined = You declined the opt-in; the opt-out stays in place
outcome-opted_in = You opted back in
outcome-revoked = Withdrawn by the agent who filed it
outcome-identity_not_verified = We could not verify your identity
outcome-too_many_requests = You have already made two requests to know in the last 12 months (Civ. §1798.130(b))
outcome-suspected_fraud = We have a good-faith, reasonable and documented belief that the request is fraudulent (reg. §7026(e))
outcome-disproportionate_effort = Answering would take effort disproportionate to its benefit to you (reg. §7001(h))
outcome-complete_transaction = Needed to complete a transaction, provide a good or service you asked for, or perform a contract with you (§1798.105(d)(1))
outcome-security = Needed to help ensure security and integrity (§1798.105(d)(2))
outcome-debugging = Needed to debug and repair errors (§1798.105(d)(3))
outcome-free_speech = Needed to exercise free speech or another legal right (§1798.105(d)(4))
outcome-calecpa = Needed to comply with the California Electronic Communications Privacy Act (§1798.105(d)(5))
outcome-research = Needed for public-interest research (§1798.105(d)(6))
outcome-internal_expected_uses = Needed for internal uses reasonably aligned with your expectations (§1798.105(d)(7))
outcome-legal_obligation = Needed to comply with a legal obligation (§1798.105(d)(8))
outcome-more_likely_accurate = The information is more likely than not accurate (reg. §7023)
outcome-inadequate_documentation = The documentation provided was not enough to support the correction (reg. §7023)
outcome-conflict_with_law = Correcting it would conflict with federal or state law
outcome-exception = An exception in the law applies (explained below)
outcome-other = Another reason (explained below)

## Form errors

errors-fix = { $count ->
    [one] Please fix this problem
   *[other] Please fix these { $count } problems
}
error-prefix = Error:
error-full-name = Enter your full name.
error-california-resident = Confirm that you are a California resident: these rights are given by California law.
error-lookback-missing = Choose how far back your request should go.
error-lookback-invalid = Choose one of the two periods.
error-phone-or-address = Give a phone number or a postal address: a copy of your data needs one more detail to confirm who you are.
error-declaration-name = Type your full name to sign the declaration.
error-declaration-name-agent = Type the same name you gave as the agent.
error-declaration-name-same = Type the same full name you gave above.
error-declaration-agree = Tick the box to declare, under penalty of perjury, that you are the person named.
error-correction-field = Say which information is wrong.
error-corrected-value = Say what the information should be.
error-agent-name = Enter your own name, as the agent.
error-agent-email-own = Give your own e-mail address, not the consumer's.
error-authority = Say how you are authorized: the consumer's signed permission, or a power of attorney.
error-agent-declaration = Tick the box to declare that you are authorized to act for this consumer.
error-permission-missing = Attach the consumer's signed permission (PDF, PNG or JPEG).
error-too-long = Keep this under { $max } characters.
error-unusual-characters = Remove the unusual characters from this field.
error-phone = Enter a phone number like (555) 123-4567 or +1 555 123 4567.
error-file-too-large-field = The file is too large: the limit is { $mb } MB.
error-file-type = Attach a PDF, PNG or JPEG file.
error-email-missing = Enter your e-mail address.
error-email-too-long = This e-mail address is too long.
error-email-shape = Enter an e-mail address like name@example.com.
error-tracking-code = Enter the tracking code from your receipt, like RD-7K3M-Q9PX.
form-notice-too-many = Many requests came from your network in the last minute. Wait a minute, then send this form again: what you typed is kept below.
form-notice-unavailable = We cannot save requests right now. Nothing was saved: wait a minute, then send this form again. What you typed is kept below.

## Error pages

error-see-rights = See your privacy rights
error-not-found-title = Page not found
error-not-found = There is no page at this address. Start again from the list of your rights.
error-too-large-title = Too much data sent
error-unreadable-title = The form could not be read
error-unsupported-media = Your browser sent the form in a format we do not accept. Please go back and send it again from the form page.
error-not-readable = The form arrived damaged or in an unexpected encoding. Please go back and send it again.
error-form-too-large = The form was larger than we accept ({ $kb } KB). Shorten the text and send it again.
error-file-too-large = The file you attached is larger than { $mb } MB. Go back and attach a smaller file.
error-forbidden-title = Not allowed
error-forbidden = This form was sent from another site, or it has expired. Open the form again on this site and send it again.
error-sign-in-title = Please sign in
error-sign-in = Your session has ended. Please sign in again.
error-not-allowed = Only administrators can do this. Ask an administrator if you need it done.
error-too-many-title = Please wait a moment
error-too-many = Many requests came from your network in a short time. Wait a minute, then try again.
error-unavailable-title = Please try again in a moment
error-unavailable = We cannot save or look up requests right now. Nothing was lost: please try again in a minute.
error-internal-title = Something went wrong on our side
error-internal = Nothing was saved. Please try again in a few minutes.
error-staff-year = year: give a year such as 2026

## The business's contact details

contact-phone = Phone
contact-email = E-mail
contact-postal = Mail
contact-privacy-policy = Privacy policy
contact-way-phone = by phone at { $phone }
contact-way-email = by e-mail at { $email }
contact-way-mail = by mail at { $address }
list-or = { $init } or { $last }

## The declaration under penalty of perjury (reg. §7060)

declaration-text = I declare under penalty of perjury under the laws of the State of California that I am the consumer whose personal information is the subject of this request.
declaration-sign-name = Type your full name to sign
declaration-agree = I sign this declaration

## Notice at collection (reg. §7012), at the foot of each form

notice-collection-verified = What we collect and why: the details you give on this form (your name, e-mail address and what you tell us, and an agent's details and documents when an agent files), only to confirm who you are and to answer this request, and for nothing else. How long: we keep the record of your request for { $months } months, as California rules require, and then delete the personal information in it.
notice-collection-choice = What we collect and why: the name and e-mail address you give on this form (and an agent's details when an agent files), only to apply your choice and confirm it to you, and for nothing else. How long: we keep the record of your request for { $months } months, as California rules require, and then delete the personal information in it.
notice-collection-browser = What we collect: nothing about you. We keep a random number in a cookie in this browser, only to apply your choice when it comes back, and a record of the choice for the time California rules require.

## Error messages added with the reshaped forms

error-permission-missing-guardian = Attach a document that shows you are the child's parent or legal guardian (PDF, PNG or JPEG).
error-guardian-declaration = Tick the box to declare that you are the child's parent or legal guardian and that the child is under 13.
error-response-format = Choose one of the formats listed.
error-attach-again = Attach your file again: files are not kept when the form has a problem.

## Shine the Light (Civ. §1798.83), beside the rights above

kind-shine_the_light = Ask who we share your information with for their direct marketing
kind-shine_the_light-summary = Once a year, find out which kinds of personal information we gave other companies for their own direct marketing last year, and which companies they were (California Civil Code §1798.83).
outcome-answered_with_earlier = Answered with your earlier request this year
