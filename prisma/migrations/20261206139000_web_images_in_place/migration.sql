-- A project may reference http(s) images where they are, as it does s3:// objects (decision 017): the
-- image is fetched once for its hash, size and derivatives, and afterwards read from its URL (checked
-- against the hash) instead of being copied into Loupe's store. Off: such images are copied, as before.
ALTER TABLE projects ADD COLUMN web_images_in_place boolean NOT NULL DEFAULT false;
