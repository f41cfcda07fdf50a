#!/usr/bin/env bash
# Benchmark peer (not shipped): what Debian's rclone 1.60 can do of the default probe, scripted by
# hand. rclone cannot assume a role (bench/assume-role.mjs does, and its time counts) and cannot run
# the multipart steps one by one: `copyto` of a 5 MiB + 64 KiB file with --s3-upload-cutoff 5M makes
# it create the upload, send two parts and complete it inside one command.
# Covered: assume-role (helper), put (copyto), get x2 (cat, bytes compared), list the prefix (lsf),
# multipart create/part x2/complete (copyto), list uploads (backend list-multipart-uploads),
# delete x2 (deletefile); head only implicitly (rclone HEADs the key inside cat, deletefile and the
# multipart copyto). Not covered: list-parts, the second upload and its abort.
#
# Env: as bench/awscli.sh, plus BENCH_DIR (this folder) and RCLONE (default rclone).
set -euo pipefail
RCLONE=${RCLONE:-rclone}
D=$BENCH_DATA T=$BENCH_TMP
root="${BENCH_PREFIX}bench-rclone/$(date +%s%N)-$$/"

# 1. sts:AssumeRole (tiny node helper; its time counts)
eval "$(node "$BENCH_DIR/assume-role.mjs")"

# An S3 remote from environment variables only.
export RCLONE_CONFIG="$T/rclone.conf"
: >"$RCLONE_CONFIG"
export RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Ceph RCLONE_CONFIG_BENCH_ENDPOINT="$BENCH_ENDPOINT" \
  RCLONE_CONFIG_BENCH_REGION=us-east-1 RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true \
  RCLONE_CONFIG_BENCH_ACCESS_KEY_ID="$SESSION_AK" RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY="$SESSION_SK" \
  RCLONE_CONFIG_BENCH_SESSION_TOKEN="$SESSION_TOKEN" RCLONE_CONFIG_BENCH_NO_CHECK_BUCKET=true
# --no-check-dest: the role may not HEAD a missing key (403 without s3:ListBucket on it), so rclone must
# not look before it writes.
r() { "$RCLONE" -q "$@"; }
dst="bench:$BENCH_BUCKET/$root"
# Interrupted (the bench's Ctrl-C): remove what this run made, best effort.
trap 'r deletefile "${dst}object.bin" 2>/dev/null; r deletefile "${dst}multipart.bin" 2>/dev/null; r backend cleanup "bench:$BENCH_BUCKET/$root" -o max-age=0 2>/dev/null; exit 130' INT TERM

# 2. object: put, get (bytes compared), list the prefix
r copyto --no-check-dest "$D/small.bin" "${dst}object.bin"
r cat "${dst}object.bin" >"$T/r-object.bin"
cmp -s "$D/small.bin" "$T/r-object.bin"
r lsf "bench:$BENCH_BUCKET/$BENCH_PREFIX" >/dev/null

# 3. multipart in one command (5 MiB + 64 KiB, cut-off and chunk 5 MiB: two parts), list uploads, get
r copyto --no-check-dest --s3-upload-cutoff 5M --s3-chunk-size 5M "$D/mpu.bin" "${dst}multipart.bin"
r backend list-multipart-uploads "bench:$BENCH_BUCKET" >/dev/null
r cat "${dst}multipart.bin" >"$T/r-multipart.bin"
cmp -s "$D/mpu.bin" "$T/r-multipart.bin"

# 4. delete both objects
r deletefile "${dst}object.bin"
r deletefile "${dst}multipart.bin"
rm -f "$T/r-object.bin" "$T/r-multipart.bin" "$RCLONE_CONFIG"
