import type { SeedContext } from './seed-rows.js';

/**
 * One changed component as the pipeline records it (domain/delta.ts): the entry deployed, built (its
 * createdAt, where the metrics' lead time starts) some hours before the change request was raised.
 */
export function deltaItem(ctx: SeedContext, component: string, number: number, builtAt: number) {
  const version = `1.${number % 10_000}.0`;
  return {
    name: component,
    change: 'changed',
    fromVersion: null,
    toVersion: version,
    from: null,
    to: {
      id: ctx.newId(),
      name: component,
      version,
      artifact: `docker://registry.example.com/${component}:${version}`,
      type: 'container',
      sha256: null,
      commitSha: 'seed',
      repositoryUrl: `https://git.example.com/${component}`,
      buildNumber: null,
      pipelineRunId: `ci-${number}`,
      provenance: null,
      signature: null,
      appArtifacts: null,
      hasSbom: false,
      createdBy: 'demo-seed',
      createdAt: builtAt,
    },
  };
}
