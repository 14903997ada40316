import { randomUUID } from 'node:crypto';

import { MongoClient } from 'mongodb';

import { databaseNameFromUri, MongoStore } from '../../src/storage/mongo-store';
import type { EndpointStore } from '../../src/storage/store';
import { runStoreConformance } from './conformance';

const uri = process.env.MONGODB_URI;
const prefix = `promptgate_test_${randomUUID().slice(0, 8)}`;
const databases = new Map<EndpointStore, string>();
let counter = 0;

describe('databaseNameFromUri', () => {
  it('takes the path of the URI, else promptgate', () => {
    expect(databaseNameFromUri('mongodb://a:1,b:2/gateway?replicaSet=rs')).toBe('gateway');
    expect(databaseNameFromUri('mongodb+srv://u:p@cluster.example.net/prod')).toBe('prod');
    expect(databaseNameFromUri('mongodb://localhost:27017')).toBe('promptgate');
    expect(databaseNameFromUri('mongodb://localhost:27017/?w=majority')).toBe('promptgate');
  });
});

if (uri) {
  runStoreConformance(
    'MongoStore conformance',
    async () => {
      counter += 1;
      const dbName = `${prefix}_${counter}`;
      const store = await MongoStore.connect(uri, dbName);
      databases.set(store, dbName);
      return store;
    },
    async () => {
      const client = await MongoClient.connect(uri);
      for (const dbName of new Set(databases.values())) await client.db(dbName).dropDatabase();
      await client.close();
    },
    {
      reopen: async (closed) => {
        const dbName = databases.get(closed) as string;
        const store = await MongoStore.connect(uri, dbName);
        databases.set(store, dbName);
        return store;
      },
    },
  );
} else {
  describe.skip('MongoStore conformance (skipped: MONGODB_URI is not set)', () => {
    it.todo('runs the shared store conformance suite against MongoDB');
  });
}
