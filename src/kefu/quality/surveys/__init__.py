"""Customer surveys: CSAT (1–5), NPS (0–10) and further questions per client and channel,
versioned; delivered at the end of a chat, by e-mail link or by SMS link (signed, single-use,
expiring); one reminder; answers feed the event log (docs/quality-surveys.md).

Modules: `questions` (the pure core: question sets, answers, NPS arithmetic), `links` (signed
tokens), `sms` (the outbound SMS interface and its backends), `services` (writes), `selectors`
(reads), `delivery` (the periodic send and reminder job), `views`, `api`, `forms`, `demo`.
"""
