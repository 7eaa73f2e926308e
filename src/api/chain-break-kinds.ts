export const ChainBreakKinds = ['edited', 'missing', 'reordered'] as const;
