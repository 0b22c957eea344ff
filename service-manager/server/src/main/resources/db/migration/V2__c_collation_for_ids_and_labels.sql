-- Ids and label keys/values are compared byte-wise: they are identifiers, never sorted for people.
-- With the database's linguistic collation every index probe on them went through strcoll;
-- bench/ measured label-filtered plan lists at 50,000 plans about 2x faster with "C".
ALTER TABLE service_plan_labels
    ALTER COLUMN resource_id TYPE varchar(100) COLLATE "C",
    ALTER COLUMN key TYPE varchar(255) COLLATE "C",
    ALTER COLUMN value TYPE varchar(255) COLLATE "C";
ALTER TABLE service_offering_labels
    ALTER COLUMN resource_id TYPE varchar(100) COLLATE "C",
    ALTER COLUMN key TYPE varchar(255) COLLATE "C",
    ALTER COLUMN value TYPE varchar(255) COLLATE "C";
ALTER TABLE service_broker_labels
    ALTER COLUMN resource_id TYPE varchar(100) COLLATE "C",
    ALTER COLUMN key TYPE varchar(255) COLLATE "C",
    ALTER COLUMN value TYPE varchar(255) COLLATE "C";
ALTER TABLE platform_labels
    ALTER COLUMN resource_id TYPE varchar(100) COLLATE "C",
    ALTER COLUMN key TYPE varchar(255) COLLATE "C",
    ALTER COLUMN value TYPE varchar(255) COLLATE "C";
ALTER TABLE visibility_labels
    ALTER COLUMN resource_id TYPE varchar(100) COLLATE "C",
    ALTER COLUMN key TYPE varchar(255) COLLATE "C",
    ALTER COLUMN value TYPE varchar(255) COLLATE "C";
ALTER TABLE visibilities
    ALTER COLUMN id TYPE varchar(100) COLLATE "C",
    ALTER COLUMN platform_id TYPE varchar(100) COLLATE "C",
    ALTER COLUMN service_plan_id TYPE varchar(100) COLLATE "C";
ALTER TABLE service_plans
    ALTER COLUMN id TYPE varchar(100) COLLATE "C",
    ALTER COLUMN service_offering_id TYPE varchar(100) COLLATE "C";
ALTER TABLE service_offerings
    ALTER COLUMN id TYPE varchar(100) COLLATE "C",
    ALTER COLUMN broker_id TYPE varchar(100) COLLATE "C";
ALTER TABLE service_brokers ALTER COLUMN id TYPE varchar(100) COLLATE "C";
ALTER TABLE platforms ALTER COLUMN id TYPE varchar(100) COLLATE "C";
ALTER TABLE changes
    ALTER COLUMN resource_id TYPE varchar(100) COLLATE "C",
    ALTER COLUMN platform_id TYPE varchar(100) COLLATE "C";
