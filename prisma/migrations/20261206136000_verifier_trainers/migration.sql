-- The verifier-trainers export format (docs/decisions/020-trainer-formats.md): the verifier's SFT and DPO
-- data laid out for LLaMA-Factory, ms-swift and TRL. Only the list of accepted formats changes.
ALTER TABLE exports DROP CONSTRAINT exports_format_check;
ALTER TABLE exports ADD CONSTRAINT exports_format_check
  CHECK (format IN ('canonical', 'gold-jsonl', 'gold-csv', 'gold-parquet', 'verifier-sft', 'verifier-preference', 'verifier-trainers'));
