-- The device a run's latest attempt trained on (issue 20): the WebGPU adapter (vendor, architecture,
-- description, whether it is a software adapter) or the CPU, one line beside `backend`. Null for
-- runs that have not started, and for those trained before this column.
ALTER TABLE "runs" ADD COLUMN "device" TEXT;
