/* eslint-disable @typescript-eslint/no-explicit-any -- parsed YAML objects are walked field by field */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { WORKSPACE_ROOT } from '../src/services';

/** Every Kubernetes object of deploy/k8s (all folders), parsed with the `yaml` package. */
function manifests(): { file: string; doc: Record<string, any> }[] {
  const out: { file: string; doc: Record<string, any> }[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name) && e.name !== 'kustomization.yaml') {
        for (const d of parseAllDocuments(readFileSync(p, 'utf8'))) {
          if (d.errors.length) throw new Error(`${p}: ${d.errors[0].message}`);
          const doc = d.toJS() as Record<string, any> | null;
          if (doc) out.push({ file: p, doc });
        }
      }
    }
  };
  walk(join(WORKSPACE_ROOT, 'deploy', 'k8s'));
  return out;
}

/** Environment variable names that carry credentials. */
const SECRET_NAME = /(SECRET|PASSWORD|TOKEN|API_KEY|PRIVATE_KEY|_KEY$|DATABASE_URL)/;

/** True when a NetworkPolicy's podSelector selects pods with these labels. */
function selects(policy: Record<string, any>, labels: Record<string, string>): boolean {
  const match: Record<string, string> = policy.spec?.podSelector?.matchLabels ?? {};
  return Object.entries(match).every(([k, v]) => labels[k] === v);
}

describe('deploy/k8s manifests', () => {
  const all = manifests();
  const workloads = all.filter((m) => ['Deployment', 'Job', 'StatefulSet', 'DaemonSet'].includes(m.doc.kind));
  const policies = all.filter((m) => m.doc.kind === 'NetworkPolicy').map((m) => m.doc);

  it('parse, and hold the workloads', () => {
    expect(workloads.filter((w) => w.doc.kind === 'Deployment').length).toBeGreaterThanOrEqual(8);
  });

  it('deny all traffic by default (ingress and egress) in the namespace', () => {
    const deny = policies.find(
      (p) => Object.keys(p.spec.podSelector ?? {}).length === 0 && !p.spec.ingress && !p.spec.egress,
    );
    expect(deny?.spec.policyTypes).toEqual(expect.arrayContaining(['Ingress', 'Egress']));
  });

  it('give every Deployment (and the migration Job) its own NetworkPolicy with ingress and egress rules', () => {
    for (const { doc } of workloads) {
      const labels: Record<string, string> = doc.spec.template.metadata?.labels ?? {};
      const own = policies.filter(
        (p) => Object.keys(p.spec.podSelector?.matchLabels ?? {}).length && selects(p, labels),
      );
      expect({ workload: doc.metadata.name, policies: own.length }).toEqual({
        workload: doc.metadata.name,
        policies: 1,
      });
      const types: string[] = own[0].spec.policyTypes;
      expect(types).toContain('Egress');
      if (doc.kind === 'Deployment') {
        expect(types).toContain('Ingress');
        expect(own[0].spec.ingress?.length).toBeGreaterThan(0);
      }
    }
  });

  it('keep secrets in Secrets: no secret env from literals, no credential keys in ConfigMaps, no Secret with values', () => {
    for (const { file, doc } of workloads) {
      const containers = [
        ...(doc.spec.template.spec.containers ?? []),
        ...(doc.spec.template.spec.initContainers ?? []),
      ];
      for (const c of containers) {
        for (const e of c.env ?? []) {
          if (SECRET_NAME.test(e.name))
            expect({
              file,
              env: e.name,
              from: e.valueFrom?.secretKeyRef ? 'secretKeyRef' : 'literal',
            }).toEqual({
              file,
              env: e.name,
              from: 'secretKeyRef',
            });
        }
        for (const src of c.envFrom ?? []) expect(src.secretRef ?? src.configMapRef).toBeDefined();
      }
    }
    for (const { file, doc } of all.filter((m) => m.doc.kind === 'ConfigMap'))
      expect({ file, keys: Object.keys(doc.data ?? {}).filter((k) => SECRET_NAME.test(k)) }).toEqual({
        file,
        keys: [],
      });
    for (const { file, doc } of all.filter((m) => m.doc.kind === 'Secret'))
      expect({ file, values: Object.keys({ ...doc.data, ...doc.stringData }) }).toEqual({ file, values: [] });
  });
});
