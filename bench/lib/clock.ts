// One wall clock with sub-millisecond resolution that the bench process and its child processes share.
export const now = () => performance.timeOrigin + performance.now();
