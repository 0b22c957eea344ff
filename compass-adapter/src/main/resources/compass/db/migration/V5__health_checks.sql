-- healthCheckURL polling: the reason of the last health-check result (null when CONNECTED or never
-- checked), when the last check ran and when the next one is due. next_health_check_at NULL = due now
-- (new applications, changed URLs, rows from before this migration).
ALTER TABLE compass_applications
    ADD COLUMN status_message        varchar(1000),
    ADD COLUMN health_checked_at     timestamptz,
    ADD COLUMN next_health_check_at  timestamptz;
CREATE INDEX compass_applications_health_due ON compass_applications (next_health_check_at)
    WHERE health_check_url IS NOT NULL;
