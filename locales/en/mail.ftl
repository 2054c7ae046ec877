# Consumer e-mails. Staff messages stay in English in src/mail/messages.rs.

mail-hello = Hello,
mail-button-fallback = If the button does not work, copy this address into your browser: { $url }
mail-tracking-code-text = Your tracking code is { $code }. You can check your request at any time at { $url }.
mail-tracking-code-html-before = Your tracking code is { $code }. You can
mail-tracking-code-html-link = check your request
mail-tracking-code-html-after = { " " }at any time.
mail-not-you = If you did not make this request, you can ignore this message.
mail-questions = Questions? You can also reach us { $ways }.
mail-verify-button = Confirm my e-mail address
mail-verify-link-works = { $days ->
    [one] The link works once and for { $days } day. If it has expired, you can ask for a new one on the status page.
   *[other] The link works once and for { $days } days. If it has expired, you can ask for a new one on the status page.
}
mail-link-works = { $days ->
    [one] The link works once and for { $days } day.
   *[other] The link works once and for { $days } days.
}
mail-new-link-works = { $days ->
    [one] The link works once and for { $days } day. Links sent before it no longer work.
   *[other] The link works once and for { $days } days. Links sent before it no longer work.
}
mail-earlier-links-void = Links sent before it no longer work.
mail-confirm-or-reject = Confirm or reject
mail-confirm-or-decline = Confirm or decline
mail-the-reason = The reason: { $reason }
mail-the-reason-denied = The reason: { $reason }.
mail-you-asked = You asked us: { $kind }.
mail-welcome-new-request = You are welcome to make a new request at any time.
mail-new-request-button = Make a new request
mail-record-kept = We keep a record of your request itself, as the law requires.

mail-receipt-subject = We received your privacy request { $code }
mail-receipt-received = We received your request: { $kind }.
mail-receipt-next-verify = What happens next: to protect your information, we first confirm that the request comes from you. Please confirm your e-mail address with the button below. We may also ask for details that match our records. We never ask for a password, and you do not need an account.
mail-receipt-next-no-verify = What happens next: we do not need to check your identity for this request. We will apply your choice and tell you when it is done.

mail-quoted-agent-name = Name the agent gave
mail-quoted-agent-organisation = Organisation the agent gave
mail-agent-confirmation-subject = Did you ask an agent to make a privacy request for you? ({ $code })
mail-agent-confirmation-intro = Someone told us you authorized them, as your agent, to make this request for you: { $kind }.
mail-agent-confirmation-unchecked = This is what they told us about themselves; we have not checked it:
mail-agent-confirmation-choose = Please confirm or reject the request with the button above. If you did not authorize them, reject it and we will not act on the request.

mail-agent-receipt-subject = Request { $code } received from you as authorized agent
mail-agent-receipt-received = We received the request you filed for a consumer: { $kind }.
mail-agent-receipt-follow = We will send you every update about it. You can follow it at any time with the link below.
mail-agent-receipt-button = Follow this request

mail-verification-link-subject = Confirm your e-mail address for request { $code }
mail-verification-link-intro = Here is a new link to confirm your e-mail address, as you asked.
mail-verification-reminder-subject = Reminder: confirm your e-mail address for request { $code }
mail-verification-reminder-intro = You asked us: { $kind }. We cannot go ahead until you confirm your e-mail address.
mail-close-if-unconfirmed = If we cannot confirm it is you by { $date }, we will have to close the request without acting on it.

mail-agent-reminder-subject = Reminder: did you authorize an agent to make a privacy request for you? ({ $code })
mail-agent-reminder-intro = An authorized agent made this request for you: { $kind }. We cannot act on it until you confirm or reject the agent.
mail-close-if-no-answer = If we hear nothing by { $date }, we will have to close the request without acting on it.
mail-agent-link-subject = Your new link to confirm or reject the agent ({ $code })
mail-agent-link-intro = Here is a new link to confirm or reject the agent who made a privacy request for you, as you asked.

mail-applied-subject = Your privacy choice has been applied ({ $code })
mail-applied-processed = We processed your request: { $kind }.
mail-applied-opt-out = We no longer sell or share your personal information.
mail-applied-limit = We now use your sensitive personal information only for what is needed to provide the goods and services you ask for.
mail-applied-nothing-else = You do not need to do anything else. We will not ask you to opt back in for at least 12 months.

mail-extension-subject = We need more time for request { $code }
mail-extension-intro = We need more time to answer your request completely, as the law allows once.

mail-outcome-complete-subject = Your request is complete ({ $code })
mail-outcome-complete = We completed your request: { $kind }.
mail-outcome-partial-subject = Your request is partly complete ({ $code })
mail-outcome-partial = We completed part of your request: { $kind }.
mail-package-ready = Your information is ready to download, as JSON and CSV files you can open and reuse.
mail-package-button = Download your information
mail-package-protect = { $days ->
    [one] To protect it, the page asks for your e-mail address and sends you a one-time code before the download starts. The link works for { $days } day.
   *[other] To protect it, the page asks for your e-mail address and sends you a one-time code before the download starts. The link works for { $days } days.
}
mail-download-code-subject = Your download code for request { $code }
mail-download-code-enter = Enter this code on the download page: { $code }
mail-download-code-works = { $minutes ->
    [one] It works once, for { $minutes } minute. If you did not ask for it, you can ignore this message.
   *[other] It works once, for { $minutes } minutes. If you did not ask for it, you can ignore this message.
}

mail-closed-subject = Your request { $code } was closed: identity not verified
mail-closed-agent-unconfirmed = We could not confirm the authority of the agent who made it for you, so we could not verify that the request comes from you. We have therefore closed the request without acting on it.
mail-closed-identity-unverified = We could not verify your identity in time. We have therefore closed the request without acting on it.
mail-unverified-specific-as-categories = Without verification we cannot give out specific pieces of personal information. We handled your request as a request to know the categories of personal information we collect.
mail-privacy-policy-describes = Our privacy policy describes the categories of personal information we collect, where it comes from, why we use it and who we disclose it to.
mail-privacy-policy-describes-at = Our privacy policy describes the categories of personal information we collect, where it comes from, why we use it and who we disclose it to: { $url }

mail-denied-subject = We could not complete your request ({ $code })
mail-denied-intro = We could not complete your request: { $kind }.
mail-denied-delete-offer-opt-out = You can still tell us to stop selling or sharing your personal information. No identity check is needed for that.
mail-denied-correct-offer-delete = If you prefer, you can ask us to delete the information instead of correcting it.
mail-denied-questions = If you have questions about this decision, or disagree with it, you can reach us { $ways }.

mail-withdrawn-subject = Your request { $code } was withdrawn
mail-withdrawn-intro = Your request was withdrawn: { $kind }.
mail-withdrawn-closed = We have closed it and will not act on it. You are welcome to make a new request at any time.

mail-opt-in-means = If you opt back in, we remove your opt-out: we may then sell your personal information, or share it for cross-context behavioral advertising, as our privacy policy describes.
mail-opt-in-request-subject = Did you ask to opt back in to sale and sharing? ({ $code })
mail-opt-in-request-intro = { $agent }, an authorized agent, asked us on your behalf to opt you back in to the sale and sharing of your personal information.
mail-opt-in-nothing-changes = Nothing changes unless you confirm it yourself. If you did not ask for this, or changed your mind, decline it or simply ignore this message: your opt-out stays in place.
mail-opt-in-link-works = The link opens a page where you choose; it works once, until the end of { $date }.
mail-opt-in-link-subject = Your new link to confirm or decline opting back in ({ $code })
mail-opt-in-link-intro = Here is a new link to confirm or decline opting back in to the sale and sharing of your personal information, as you asked.
mail-opted-in-subject = You opted back in to sale and sharing ({ $code })
mail-opted-in-done = As you confirmed, we removed your opt-out of the sale and sharing of your personal information. We may now sell or share it, as our privacy policy describes.
mail-opted-in-again = You can opt out again at any time, free of charge and without an account, with the link below.
mail-opt-in-declined-subject = You declined to opt back in: nothing changed ({ $code })
mail-opt-in-declined-intro = You declined the request to opt you back in to the sale and sharing of your personal information.
mail-opt-out-stays = Nothing has changed: your opt-out stays in place.
mail-opt-in-lapsed-subject = Your opt-in { $code } was not confirmed: nothing changed
mail-opt-in-lapsed-intro = An authorized agent asked us on your behalf to opt you back in to the sale and sharing of your personal information.
mail-opt-in-lapsed-closed = The opt-in was not confirmed in time, so we did not apply it and have closed the request. Your opt-out stays in place: there is nothing you need to do.

## Shine the Light (Civ. §1798.83): the receipt, the answer (e-mail and printed letter)

mail-stl-receipt-subject = We received your Shine the Light request { $code }
mail-stl-received = We received your request: { $kind }.
mail-stl-linked = You already made this request this year ({ $code }). We answer both together: you will receive the same answer for each.
mail-stl-next = What happens next: please confirm your e-mail address with the button below. That is all we need: our answer holds no personal information about you. We never ask for a password, and you do not need an account.
mail-stl-answer-subject = Our answer to your Shine the Light request ({ $code })
mail-stl-answer-intro = Here is our answer to your request: { $kind }.
mail-stl-again-subject = This year's answer, again ({ $code })
mail-stl-again-intro = You asked us again this year: { $kind }. The law gives this answer once a calendar year, and we already sent it to you with your request { $earlier }.
mail-stl-again-copy = Here is a copy of that answer:
mail-stl-opt-out-button = Opt out of disclosure for direct marketing
mail-stl-nothing-disclosed = In { $year }, { $business } did not disclose any personal information about its customers to third parties for the third parties' direct marketing purposes.
mail-stl-disclosed = In { $year }, { $business } disclosed these categories of personal information to third parties for the third parties' direct marketing purposes: { $categories }.
mail-stl-third-parties = These are the third parties that received it in { $year }, with their addresses:
mail-stl-third-party = { $name }, { $address }.
mail-stl-third-party-markets = { $name }, { $address }. What it markets: { $examples }.
mail-stl-opt-out-choice = { $business } lets its customers choose to prevent the disclosure of their personal information to third parties for the third parties' direct marketing purposes (California Civil Code §1798.83(c)(2)). Instead of a list of such disclosures, the law lets us tell you about that choice.
mail-stl-opt-out-where = You can make that choice at any time, free of charge: { $url }
mail-stl-letter-title = Your Shine the Light request { $code }
mail-stl-letter-dear = Dear { $name },
mail-stl-letter-dear-customer = Dear customer,
mail-stl-letter-intro = Here is our answer to your request under California Civil Code §1798.83 about the disclosure of personal information to third parties for their direct marketing purposes.
mail-stl-letter-sincerely = Sincerely,

## A fresh download link, sent by staff

mail-new-download-subject = A new link to download the answer to your request { $code }
mail-new-download-intro = Here is a new link to download the answer to your privacy request. The link we sent before no longer works.
mail-new-download-works = { $days ->
    [one] The link works for { $days } day. Each download asks for a one-time code, which we send to this e-mail address.
   *[other] The link works for { $days } days. Each download asks for a one-time code, which we send to this e-mail address.
}

## Passed on to the parties a decision applies to

mail-passed-on-subject = Your request { $code } was passed on
mail-passed-on-intro = Your request ({ $kind }) has been passed on to the service providers, contractors and other parties it applies to.
mail-nothing-to-do = You do not need to do anything.

## The receipt letter staff print for a request without an e-mail address

letter-receipt-title = We received your privacy request
letter-hello = Hello,
letter-receipt-received = We received your request on { $date }: { $kind }.
letter-receipt-code = Your tracking code is
letter-receipt-by-letter = Please quote it whenever you contact us about this request. Because you did not give us an e-mail address, we will answer you by letter, and you can ask about your request by phone or mail, quoting this code.
letter-receipt-format = You asked for our answer in another format: we will send it that way.
letter-reach-us = How to reach us
letter-reach-us-ways = You can reach us { $ways }, or online at { $url }.
letter-reach-us-online = You can reach us online at { $url }.
