import { MemoryRunStore } from './memory-run-store.test-helper';
import { runStoreContract } from './run-store-contract.test-helper';

runStoreContract('MemoryRunStore', async () => {
  const store = new MemoryRunStore();
  return { store, queries: store.queries() };
});
