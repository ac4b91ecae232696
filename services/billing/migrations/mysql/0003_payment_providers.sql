-- Card payments through outside providers (Stripe, VNPay): which provider
-- took each payment, the card's brand beside its last four digits, and the
-- providers' webhook events already handled, so a replayed one is answered
-- without being applied again.
ALTER TABLE payments
    ADD COLUMN provider VARCHAR(16) NOT NULL DEFAULT '',
    ADD COLUMN card_brand VARCHAR(32) NOT NULL DEFAULT '';
UPDATE payments SET provider = 'test' WHERE method = 'CREDIT_CARD';

CREATE TABLE provider_events (
    provider VARCHAR(16) NOT NULL,
    event_id VARCHAR(100) NOT NULL,
    payment_id VARCHAR(64) NOT NULL,
    outcome VARCHAR(32) NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (provider, event_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
