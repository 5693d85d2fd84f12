-- Customers (API.md §2 "customers"). Times are RFC 3339 UTC text with milliseconds, which sorts
-- chronologically; money is integer minor units; tags and attributes are JSON text.
CREATE TABLE customers (
    id                  INTEGER PRIMARY KEY,
    type                TEXT    NOT NULL CHECK (type IN ('person', 'company')),
    name                TEXT    NOT NULL,
    email               TEXT,
    -- lower(trim(email)): the case-insensitive unique key among live customers.
    email_normalized    TEXT,
    phone               TEXT,
    phone_digits        TEXT,
    company             TEXT,
    title               TEXT,
    industry            TEXT,
    country             TEXT,
    region              TEXT,
    city                TEXT,
    company_size        TEXT,
    source              TEXT,
    owner               TEXT,
    tags                TEXT    NOT NULL DEFAULT '[]',
    birthday            TEXT,
    marketing_opt_in    INTEGER,
    attributes          TEXT    NOT NULL DEFAULT '{}',
    external_id         TEXT,
    tier_override       TEXT,
    lifecycle_stage     TEXT    NOT NULL DEFAULT 'lead',
    tier                TEXT    NOT NULL DEFAULT 'standard',
    loyalty_points      INTEGER NOT NULL DEFAULT 0,
    order_count         INTEGER NOT NULL DEFAULT 0,
    total_spent         INTEGER NOT NULL DEFAULT 0,
    first_order_at      TEXT,
    last_order_at       TEXT,
    last_interaction_at TEXT,
    open_tickets        INTEGER NOT NULL DEFAULT 0,
    nps_last            INTEGER,
    csat_avg            REAL,
    rfm_r               INTEGER,
    rfm_f               INTEGER,
    rfm_m               INTEGER,
    rfm_score           INTEGER,
    churn_score         INTEGER NOT NULL DEFAULT 0,
    churn_reasons       TEXT    NOT NULL DEFAULT '[]',
    created_at          TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL,
    deleted_at          TEXT,
    merged_into         INTEGER REFERENCES customers (id),
    version             INTEGER NOT NULL DEFAULT 1
);

CREATE UNIQUE INDEX customers_email_live ON customers (email_normalized)
    WHERE deleted_at IS NULL AND email_normalized IS NOT NULL;
CREATE UNIQUE INDEX customers_external_id_live ON customers (external_id)
    WHERE deleted_at IS NULL AND external_id IS NOT NULL;

-- Sorts (keyset pagination walks (key, id)) and the common filters.
CREATE INDEX customers_by_name ON customers (name, id);
CREATE INDEX customers_by_created ON customers (created_at, id);
CREATE INDEX customers_by_updated ON customers (updated_at, id);
CREATE INDEX customers_by_total_spent ON customers (total_spent, id);
CREATE INDEX customers_by_last_order ON customers (coalesce(last_order_at, ''), id);
CREATE INDEX customers_by_owner ON customers (owner);
CREATE INDEX customers_by_industry ON customers (industry);
CREATE INDEX customers_by_country ON customers (country, region, city);
CREATE INDEX customers_by_company ON customers (company);
CREATE INDEX customers_by_phone ON customers (phone_digits);
CREATE INDEX customers_by_lifecycle ON customers (lifecycle_stage);
CREATE INDEX customers_by_tier ON customers (tier);
CREATE INDEX customers_by_churn ON customers (churn_score);
CREATE INDEX customers_by_source ON customers (source);

-- One row per tag, so `tag=` filters use an index.
CREATE TABLE customer_tags (
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    tag         TEXT    NOT NULL,
    PRIMARY KEY (tag, customer_id)
) WITHOUT ROWID;
CREATE INDEX customer_tags_by_customer ON customer_tags (customer_id);

-- Full-text search for `q`: name, email, phone, company and tags. The store writes each
-- customer's search document with CJK characters split into single tokens, so Chinese text is
-- found by any run of characters (a phrase query) and Latin words by prefix, with SQLite's
-- built-in unicode61 tokenizer only.
CREATE VIRTUAL TABLE customers_fts USING fts5 (document, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
