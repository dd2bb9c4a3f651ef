// Terraform's whole lifecycle against the authority, with the real terraform CLI and hashicorp/aws provider:
// apply a zone with tags, simple, weighted, alias and failover records and a health check the authority probes, a second plan shows no changes, dig gets the answers,
// destroy leaves nothing. One apply, one plan, one destroy: the provider itself waits 10-30 s (random) after
// every change before it asks GetChange, so this test's time is mostly the provider's own waiting. The provider
// runs once, shared by every command (TF_REATTACH_PROVIDERS), instead of being loaded several times per command.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ListHealthChecksCommand, ListHostedZonesCommand } from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestAuthority, type TestAuthority } from '../helpers/authority.js';
import { findProviderMirror, startSharedProvider, terraformIn } from '../helpers/terraform.js';
import { describeWithTools } from '../helpers/tools.js';

const run = promisify(execFile);
const mirror = findProviderMirror();

function configuration(endpoint: string, healthPort: number): string {
  return `
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {
    route53 = "${endpoint}"
  }
}

resource "aws_route53_zone" "main" {
  name          = "tf.test"
  comment       = "managed by terraform"
  force_destroy = true
  tags = {
    team = "dns"
    env  = "test"
  }
}

resource "aws_route53_health_check" "web" {
  type              = "HTTP"
  ip_address        = "127.0.0.1"
  port              = ${healthPort}
  resource_path     = "/health"
  request_interval  = 10
  failure_threshold = 2
  tags = {
    Name = "web"
  }
}

resource "aws_route53_record" "www" {
  zone_id = aws_route53_zone.main.zone_id
  name    = "www.tf.test"
  type    = "A"
  ttl     = 60
  records = ["192.0.2.10", "192.0.2.11"]
}

resource "aws_route53_record" "txt" {
  zone_id = aws_route53_zone.main.zone_id
  name    = "tf.test"
  type    = "TXT"
  ttl     = 300
  records = ["v=spf1 -all"]
}

resource "aws_route53_record" "wildcard" {
  zone_id = aws_route53_zone.main.zone_id
  name    = "*.apps.tf.test"
  type    = "CNAME"
  ttl     = 60
  records = ["www.tf.test"]
}

resource "aws_route53_record" "app_alias" {
  zone_id = aws_route53_zone.main.zone_id
  name    = "app.tf.test"
  type    = "A"
  alias {
    name                   = aws_route53_record.www.fqdn
    zone_id                = aws_route53_zone.main.zone_id
    evaluate_target_health = false
  }
}

resource "aws_route53_record" "primary" {
  zone_id         = aws_route53_zone.main.zone_id
  name            = "failover.tf.test"
  type            = "A"
  ttl             = 30
  set_identifier  = "primary"
  health_check_id = aws_route53_health_check.web.id
  records         = ["192.0.2.30"]
  failover_routing_policy {
    type = "PRIMARY"
  }
}

resource "aws_route53_record" "secondary" {
  zone_id        = aws_route53_zone.main.zone_id
  name           = "failover.tf.test"
  type           = "A"
  ttl            = 30
  set_identifier = "secondary"
  records        = ["192.0.2.31"]
  failover_routing_policy {
    type = "SECONDARY"
  }
}

resource "aws_route53_record" "api_blue" {
  zone_id        = aws_route53_zone.main.zone_id
  name           = "api.tf.test"
  type           = "A"
  ttl            = 30
  set_identifier = "blue"
  records        = ["192.0.2.20"]
  weighted_routing_policy {
    weight = 3
  }
}

resource "aws_route53_record" "api_green" {
  zone_id        = aws_route53_zone.main.zone_id
  name           = "api.tf.test"
  type           = "A"
  ttl            = 30
  set_identifier = "green"
  records        = ["192.0.2.21"]
  weighted_routing_policy {
    weight = 1
  }
}
`;
}

describeWithTools(
  ['terraform', 'dig'],
  'Terraform lifecycle against the authority',
  () => {
    let t: TestAuthority;
    let workDir: string;
    let target: http.Server;
    let provider: { reattach: string; stop(): void } | undefined;
    let targetUp = true;
    beforeAll(async () => {
      t = await startTestAuthority({ healthCheckScale: 0.01 });
      target = http.createServer((_request, response) =>
        response.writeHead(targetUp ? 200 : 503).end(targetUp ? 'ok' : 'down'),
      );
      await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
      workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-terraform-'));
      await fs.writeFile(
        path.join(workDir, 'main.tf'),
        configuration(t.authority.endpoint, (target.address() as AddressInfo).port),
      );
    });
    afterAll(async () => {
      provider?.stop();
      await t?.close();
      await new Promise((resolve) => target?.close(resolve));
      if (workDir) await fs.rm(workDir, { recursive: true, force: true });
    });

    const dig = async (name: string, type = 'A') =>
      (
        await run('dig', ['@127.0.0.1', '-p', String(t.authority.dnsPort), '+time=3', '+tries=2', '+short', name, type])
      ).stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .sort();

    it('applies a zone with tags and records, plans no changes, serves the answers and destroys everything', async () => {
      provider = await startSharedProvider(mirror!);
      const terraform = terraformIn(workDir, mirror!, provider.reattach);
      const expectOk = (step: string, result: { exitCode: number; stdout: string; stderr: string }) => {
        if (result.exitCode !== 0)
          throw new Error(
            `terraform ${step} exited ${result.exitCode}:\n${result.stderr}\n${result.stdout.slice(-4000)}`,
          );
      };
      // Reported, not asserted: where the time goes (the provider's own waits dominate).
      const seconds: string[] = [];
      let lap = performance.now();
      const timed = async <T>(step: string, work: Promise<T>): Promise<T> => {
        const result = await work;
        seconds.push(`${step} ${((performance.now() - lap) / 1000).toFixed(1)} s`);
        lap = performance.now();
        return result;
      };
      expectOk('init', await timed('init', terraform('init', '-input=false')));
      expectOk(
        'apply',
        await timed('apply', terraform('apply', '-auto-approve', '-input=false', '-lock=false', '-parallelism=16')),
      );

      // Exit code 0 with -detailed-exitcode: the provider read everything back exactly as it wrote it.
      const plan = await timed(
        'plan',
        terraform('plan', '-detailed-exitcode', '-input=false', '-lock=false', '-parallelism=16'),
      );
      expect(plan.exitCode, `${plan.stdout}\n${plan.stderr}`).toBe(0);

      expect(await dig('www.tf.test')).toEqual(['192.0.2.10', '192.0.2.11']);
      expect(await dig('tf.test', 'TXT')).toEqual(['"v=spf1 -all"']);
      expect(await dig('x.apps.tf.test', 'CNAME')).toEqual(['www.tf.test.']);
      expect(['192.0.2.20', '192.0.2.21']).toContain((await dig('api.tf.test'))[0]);
      expect(await dig('app.tf.test')).toEqual(['192.0.2.10', '192.0.2.11']);
      const zones = await t.client.send(new ListHostedZonesCommand({}));
      expect(zones.HostedZones?.map((zone) => zone.Name)).toEqual(['tf.test.']);
      const [check] = (await t.client.send(new ListHealthChecksCommand({}))).HealthChecks ?? [];
      await expect.poll(() => t.authority.health.isHealthy(check.Id!), { timeout: 20_000 }).toBe(true);
      expect(await dig('failover.tf.test')).toEqual(['192.0.2.30']);
      // The PRIMARY's endpoint fails: its probed health check goes unhealthy and the SECONDARY answers.
      targetUp = false;
      await expect.poll(() => t.authority.health.isHealthy(check.Id!), { timeout: 20_000 }).toBe(false);
      expect(await dig('failover.tf.test')).toEqual(['192.0.2.31']);
      targetUp = true;

      expectOk(
        'destroy',
        await timed('destroy', terraform('destroy', '-auto-approve', '-input=false', '-lock=false', '-parallelism=16')),
      );
      expect((await t.client.send(new ListHostedZonesCommand({}))).HostedZones).toEqual([]);
      expect((await t.client.send(new ListHealthChecksCommand({}))).HealthChecks).toEqual([]);
      console.log(`terraform lifecycle: ${seconds.join(', ')}`);
    }, 600_000);
  },
  [
    {
      name: 'the hashicorp/aws provider in a filesystem mirror (set DNSPLANE_TF_MIRROR)',
      present: mirror !== undefined,
    },
  ],
);
