-- Checkpoint bytes are stored out of line and uncompressed, so that GetCheckpoint can read them a
-- chunk at a time (substring) and PostgreSQL fetches only that chunk's TOAST pieces. Compressed, a
-- slice means decompressing everything before it, every chunk again; and float weights hardly
-- compress. Applies to checkpoints written from now on.
ALTER TABLE "checkpoints" ALTER COLUMN "data" SET STORAGE EXTERNAL;
