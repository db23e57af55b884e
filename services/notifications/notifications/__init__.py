"""The notifications app: subscriptions, signed webhooks and e-mail for catalog events, and their log."""
