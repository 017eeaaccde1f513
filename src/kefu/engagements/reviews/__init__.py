"""Business reviews and renewal: the monthly review of a signed contract (targets against actuals,
trend, money, top issues, improvement actions, comments of both sides) and the renewal
recommendation (renew, renegotiate or replace) from the measured record (docs/engagements-reviews.md)."""
