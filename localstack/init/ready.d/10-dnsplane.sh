#!/bin/bash
# Runs inside the LocalStack container once it is ready (an init hook in /etc/localstack/init/ready.d):
# creates the hosted zone the enactor writes to and the bucket the S3 plan store shares plans through.
# Idempotent, so a restart with a persisted volume does not create a second zone of the same name.
set -euo pipefail

zone="${DNSPLANE_ZONE:-example.test.}"
zone="${zone%.}."
bucket="${DNSPLANE_PLANS_BUCKET:-dnsplane-plans}"

existing="$(awslocal route53 list-hosted-zones-by-name --dns-name "$zone" \
  --query "HostedZones[?Name=='$zone'].Id" --output text)"
if [ -n "$existing" ] && [ "$existing" != "None" ]; then
  echo "dnsplane: hosted zone $zone already exists ($existing)"
else
  awslocal route53 create-hosted-zone --name "$zone" \
    --caller-reference "dnsplane-localstack-$(date +%s)" \
    --query 'HostedZone.Id' --output text
  echo "dnsplane: created hosted zone $zone"
fi

if awslocal s3api head-bucket --bucket "$bucket" >/dev/null 2>&1; then
  echo "dnsplane: bucket $bucket already exists"
else
  awslocal s3api create-bucket --bucket "$bucket" >/dev/null
  echo "dnsplane: created bucket $bucket"
fi
