/**
 * The evidence check both demos configure (the walkthrough of `demo` and the history of `demo seed`):
 * unit test results from the CI pipeline, recorded against the commit, before any deployment.
 */
export const unitTestsEvidenceCheck = {
  evidence_type_id: 'unit_tests',
  rules: [
    {
      asset_type: 'commit',
      source_environments: [{ name: 'ci-pipeline' }],
      target_environments: [{ name: '$target' }],
      required: [{ name: 'tool', values: ['*'] }],
    },
  ],
};
