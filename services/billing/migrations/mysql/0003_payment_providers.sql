-- Card payments through outside providers (Stripe, VNPay): which provider
-- took each payment, the card's brand beside its last four digits, the
-- providers' webhook events already handled, so a replayed one is answered
-- without being applied again, and refunds. `payments.refunded` (refunds
-- succeeded or pending) never exceeds the payment: the refund's conditional
-- UPDATE checks it.
ALTER TABLE payments
    ADD COLUMN provider VARCHAR(16) NOT NULL DEFAULT '',
    ADD COLUMN card_brand VARCHAR(32) NOT NULL DEFAULT '',
    ADD COLUMN refunded BIGINT NOT NULL DEFAULT 0;
UPDATE payments SET provider = 'test' WHERE method = 'CREDIT_CARD';

CREATE TABLE provider_events (
    provider VARCHAR(16) NOT NULL,
    event_id VARCHAR(100) NOT NULL,
    payment_id VARCHAR(64) NOT NULL,
    outcome VARCHAR(32) NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (provider, event_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE refunds (
    id VARCHAR(64) PRIMARY KEY,
    payment_id VARCHAR(64) NOT NULL,
    invoice_id VARCHAR(64) NOT NULL,
    amount BIGINT NOT NULL,
    status VARCHAR(16) NOT NULL,
    reason VARCHAR(500) NOT NULL,
    -- Scoped by the admin who sent it, like payments' keys.
    idempotency_key VARCHAR(200) NOT NULL UNIQUE,
    fingerprint VARCHAR(64) NOT NULL,
    provider_refund_id VARCHAR(100) NOT NULL DEFAULT '',
    failure_reason VARCHAR(500) NOT NULL DEFAULT '',
    created_by VARCHAR(64) NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    INDEX refunds_invoice (invoice_id, created_at),
    INDEX refunds_pending (status, created_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
