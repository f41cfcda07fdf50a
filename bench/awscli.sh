#!/usr/bin/env bash
# Benchmark peer (not shipped): the default probe's requests the way a user scripts them by hand with
# Debian's awscli 2.9 — one `aws` process per request, the upload id, ETags and session credentials
# passed along with --query and jq. Sequential, as such scripts are.
#
# Env: BENCH_ENDPOINT BENCH_ROLE BENCH_BUCKET BENCH_PREFIX (ends with /) BENCH_DATA (small.bin,
# part1.bin, part2.bin, mpu.bin = part1+part2) BENCH_TMP (scratch); AWS_ACCESS_KEY_ID /
# AWS_SECRET_ACCESS_KEY (the source identity); AWS (default /usr/bin/aws, Debian's package).
set -euo pipefail
AWS=${AWS:-/usr/bin/aws}
EP=$BENCH_ENDPOINT B=$BENCH_BUCKET D=$BENCH_DATA T=$BENCH_TMP
export AWS_PAGER='' AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1}
root="${BENCH_PREFIX}bench-awscli/$(date +%s%N)-$$/"
obj="${root}object.bin" mpu="${root}multipart.bin" abk="${root}aborted.bin"

# 1. sts:AssumeRole (Debian's awscli 2.9 takes --endpoint-url for sts too)
read -r AK SK ST < <("$AWS" sts assume-role --endpoint-url "$EP" --role-arn "$BENCH_ROLE" \
  --role-session-name "bench-awscli-$$" --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
export AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK AWS_SESSION_TOKEN=$ST
s3() { "$AWS" s3api --endpoint-url "$EP" "$@"; }
up='' up2=''
# Interrupted (the bench's Ctrl-C): remove what this run made, best effort.
cleanup() {
  for u in "$mpu:$up" "$abk:$up2"; do [ -n "${u#*:}" ] && s3 abort-multipart-upload --bucket "$B" --key "${u%%:*}" --upload-id "${u#*:}" >/dev/null 2>&1 || true; done
  for k in "$obj" "$mpu"; do s3 delete-object --bucket "$B" --key "$k" >/dev/null 2>&1 || true; done
  exit 130
}
trap cleanup INT TERM

# 2. object: put, head, get (bytes compared), list the prefix with delimiter /
s3 put-object --bucket "$B" --key "$obj" --body "$D/small.bin" >/dev/null
s3 head-object --bucket "$B" --key "$obj" >/dev/null
s3 get-object --bucket "$B" --key "$obj" "$T/object.bin" >/dev/null
cmp -s "$D/small.bin" "$T/object.bin"
s3 list-objects-v2 --bucket "$B" --prefix "$BENCH_PREFIX" --delimiter / >/dev/null

# 3. multipart: create, part 1 (5 MiB) and part 2 (64 KiB), list parts, list uploads, complete, get
up=$(s3 create-multipart-upload --bucket "$B" --key "$mpu" --query UploadId --output text)
e1=$(s3 upload-part --bucket "$B" --key "$mpu" --upload-id "$up" --part-number 1 --body "$D/part1.bin" --query ETag --output text)
e2=$(s3 upload-part --bucket "$B" --key "$mpu" --upload-id "$up" --part-number 2 --body "$D/part2.bin" --query ETag --output text)
s3 list-parts --bucket "$B" --key "$mpu" --upload-id "$up" >/dev/null
s3 list-multipart-uploads --bucket "$B" --prefix "$root" >/dev/null
parts=$(jq -cn --arg e1 "$e1" --arg e2 "$e2" '{Parts: [{PartNumber: 1, ETag: $e1}, {PartNumber: 2, ETag: $e2}]}')
s3 complete-multipart-upload --bucket "$B" --key "$mpu" --upload-id "$up" --multipart-upload "$parts" >/dev/null
s3 get-object --bucket "$B" --key "$mpu" "$T/multipart.bin" >/dev/null
cmp -s "$D/mpu.bin" "$T/multipart.bin"

# 4. a second upload, aborted
up2=$(s3 create-multipart-upload --bucket "$B" --key "$abk" --query UploadId --output text)
s3 abort-multipart-upload --bucket "$B" --key "$abk" --upload-id "$up2" >/dev/null

# 5. delete both objects
s3 delete-object --bucket "$B" --key "$obj" >/dev/null
s3 delete-object --bucket "$B" --key "$mpu" >/dev/null
rm -f "$T/object.bin" "$T/multipart.bin"
