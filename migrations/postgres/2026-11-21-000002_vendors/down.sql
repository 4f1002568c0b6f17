DROP TABLE vendor_invitations;
DROP TABLE email_verifications;
DROP TABLE vendor_reviews;
DROP TABLE vendor_documents;
DROP TABLE vendors;
DROP INDEX organizations_name_per_parent_idx;
CREATE UNIQUE INDEX organizations_name_per_parent_idx ON organizations (kind, COALESCE(parent_id, ''), lower(name));
