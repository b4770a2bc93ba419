-- Runs choose the stream of their noise normals (spec.noise.generator, src/runs/spec.ts). New runs
-- default to 'box-muller'; every run stored before has run with the ziggurat, so it is marked as
-- such and keeps it when it resumes.
UPDATE "runs"
SET "spec" = jsonb_set("spec", '{noise,generator}', '"ziggurat"')
WHERE jsonb_typeof("spec" -> 'noise') = 'object' AND NOT ("spec" -> 'noise') ? 'generator';

-- A sweep's compiled template likewise (the runs it queued are updated above).
UPDATE "sweeps"
SET "spec" = jsonb_set("spec", '{base,noise,generator}', '"ziggurat"')
WHERE jsonb_typeof("spec" #> '{base,noise}') = 'object' AND NOT ("spec" #> '{base,noise}') ? 'generator';
