#!/usr/bin/env ruby
# frozen_string_literal: true

# gradnoise from Ruby: start a run, stream its metrics to the end, download its checkpoint, verify its
# SHA-256 and read the safetensors header.
#
#   ./generate.sh                                   # once: stubs into ./gen
#   ruby gradnoise_client.rb --target localhost:50051 --trainer smoke --max-steps 50
#
# Uses Debian's ruby-grpc and ruby-google-protobuf only. With --json it prints one JSON object per
# event (the integration test reads them); otherwise a readable log. GRADNOISE_RUBY_GEN points at stubs
# generated elsewhere.

require 'digest'
require 'json'
require 'optparse'

$LOAD_PATH.unshift(ENV.fetch('GRADNOISE_RUBY_GEN', File.join(__dir__, 'gen')))
require 'grpc'
require 'gradnoise/v1/training_services_pb'

V1 = Gradnoise::V1

options = {
  target: 'localhost:50051', trainer: 'smoke', max_steps: 50, eta: 0.01, seed: 1,
  token: ENV.fetch('GRADNOISE_TOKEN', ''), out: 'checkpoint.safetensors', json: false, timeout: 600
}
OptionParser.new do |o|
  o.banner = 'usage: gradnoise_client.rb [options]'
  o.on('--target HOST:PORT', 'server address (default localhost:50051)') { |v| options[:target] = v }
  o.on('--trainer NAME', 'trainer name (default smoke)') { |v| options[:trainer] = v }
  o.on('--max-steps N', Integer, 'optimizer steps (default 50)') { |v| options[:max_steps] = v }
  o.on('--eta ETA', Float, 'noise eta (default 0.01)') { |v| options[:eta] = v }
  o.on('--seed N', Integer, 'seed (default 1)') { |v| options[:seed] = v }
  o.on('--token TOKEN', 'bearer token, if the server needs one') { |v| options[:token] = v }
  o.on('--out PATH', 'where to save the checkpoint') { |v| options[:out] = v }
  o.on('--timeout SECONDS', Integer, 'deadline of the whole session (default 600)') { |v| options[:timeout] = v }
  o.on('--json', 'print JSON lines') { options[:json] = true }
end.parse!

def emit(json, event, **fields)
  if json
    puts JSON.generate({ event: event }.merge(fields))
  else
    puts "#{event} #{fields.map { |k, v| "#{k}=#{v}" }.join(' ')}"
  end
  $stdout.flush
end

# The safetensors header: 8-byte little-endian length, then that many bytes of JSON.
def safetensors_header(data)
  raise 'checkpoint shorter than the safetensors length prefix' if data.bytesize < 8

  length = data.byteslice(0, 8).unpack1('Q<')
  raise "header length #{length} exceeds the file" if 8 + length > data.bytesize

  JSON.parse(data.byteslice(8, length))
end

deadline = Time.now + options[:timeout]
metadata = options[:token].empty? ? {} : { 'authorization' => "Bearer #{options[:token]}" }
stub = V1::TrainingService::Stub.new(options[:target], :this_channel_is_insecure)

begin
  # 1. Start a run (answers at once with RUN_STATUS_QUEUED).
  run = stub.start_run(
    V1::StartRunRequest.new(
      trainer: options[:trainer],
      max_steps: options[:max_steps],
      seed: options[:seed],
      noise: V1::NoiseConfig.new(eta: options[:eta], schedule: :SCHEDULE_ANNEALED),
      labels: { 'client' => 'ruby' }
    ),
    metadata: metadata, deadline: deadline
  )
  emit(options[:json], 'started', run_id: run.id, status: run.status.to_s)

  # 2. Stream its metrics: stored points first, then live ones, until the final message.
  points = 0
  last_loss = nil
  last_step = 0
  final_status = nil
  stub.stream_metrics(V1::StreamMetricsRequest.new(run_id: run.id, since_step: 0),
                      metadata: metadata, deadline: deadline).each do |message|
    message.points.each do |point|
      points += 1
      last_step = [last_step, point.step].max
      last_loss = point.value if point.name == 'loss'
    end
    final_status = message.status.to_s if message.final
  end
  emit(options[:json], 'streamed', points: points, last_step: last_step, last_loss: last_loss, status: final_status)

  # 3. Download the latest checkpoint: metadata first, then chunks of at most 1 MiB, in order.
  meta = nil
  data = String.new(encoding: Encoding::BINARY)
  stub.get_checkpoint(V1::GetCheckpointRequest.new(run_id: run.id, step: 0),
                      metadata: metadata, deadline: deadline).each do |message|
    if meta.nil?
      meta = message
      next
    end
    raise "chunk at offset #{message.offset}, expected #{data.bytesize}" if message.offset != data.bytesize

    data << message.data
  end
  raise 'no checkpoint metadata received' if meta.nil?

  digest = Digest::SHA256.hexdigest(data)
  if data.bytesize != meta.size_bytes || digest != meta.sha256
    emit(options[:json], 'error', reason: 'checkpoint size or sha256 mismatch',
                                  size: data.bytesize, expected_size: meta.size_bytes,
                                  sha256: digest, expected_sha256: meta.sha256)
    exit 1
  end
  File.binwrite(options[:out], data)
  emit(options[:json], 'checkpoint', step: meta.step, size_bytes: meta.size_bytes, sha256: digest,
                                     format: meta.format, path: options[:out])

  # 4. Read the file without gradnoise: tensor names and shapes from the header, checked against the
  #    tensor list the server sent.
  header = safetensors_header(data)
  shapes = header.reject { |name, _| name == '__metadata__' }.transform_values { |t| t['shape'] }
  listed = meta.tensors.to_h { |t| [t.name, t.shape.to_a] }
  if listed != shapes
    emit(options[:json], 'error', reason: 'header tensors differ from GetCheckpoint metadata')
    exit 1
  end
  emit(options[:json], 'tensors', shapes: shapes.sort.to_h, metadata_keys: (header['__metadata__'] || {}).keys.sort)
rescue GRPC::BadStatus => e
  emit(options[:json], 'error', code: e.code, details: e.details)
  exit 2
end
