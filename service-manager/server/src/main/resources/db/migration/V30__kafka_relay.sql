-- Relays that publish the change log elsewhere (Kafka) keep their position here: every revision up
-- to and including `revision` has been published and acknowledged. The retention cleaner never
-- deletes rows above the position of an enabled relay.
CREATE TABLE relay_positions (
    name        varchar(100) PRIMARY KEY,
    revision    bigint       NOT NULL,
    updated_at  timestamptz  NOT NULL DEFAULT now()
);
