"""Web self-care (issue 11 item 6; DESIGN §7): a small portal at /my/ where a customer with
an email signs in, sees their accounts (balance, past due, recent bills and payments) and
pays by card through the sandbox processor's hosted form. The payment reaches the ledger the
way any processor's does: a signed `webselfcare` webhook, delivered in-process.

Web users are plain Django users linked to one customer by `WebLogin`; they are not staff
and in no role group, so the Account Control Panel, the admin and the staff API refuse them.
"""
