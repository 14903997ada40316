/**
 * @module storage/mongo-keys
 * Consumer keys in MongoDB (collection `consumer_keys`, unique on `id` and on `hash`).
 */
import type { Collection, Db } from 'mongodb';
import { StoreConflictError, type ConsumerKey } from './store';

type KeyDoc = ConsumerKey;

export class MongoKeys {
  readonly #keys: Collection<KeyDoc>;

  constructor(db: Db) {
    this.#keys = db.collection<KeyDoc>('consumer_keys');
  }

  async prepare(): Promise<void> {
    await this.#keys.createIndex({ id: 1 }, { unique: true });
    await this.#keys.createIndex({ hash: 1 }, { unique: true });
  }

  async create(key: ConsumerKey): Promise<void> {
    try {
      await this.#keys.insertOne({ ...key });
    } catch (error) {
      if ((error as { code?: number }).code === 11000) {
        throw new StoreConflictError(`a key with id '${key.id}' or the same secret exists`);
      }
      throw error;
    }
  }

  async list(): Promise<ConsumerKey[]> {
    const docs = await this.#keys.find({}).sort({ createdAt: 1, id: 1 }).toArray();
    return docs.map(fromDoc);
  }

  async findByHash(hash: string): Promise<ConsumerKey | null> {
    const doc = await this.#keys.findOne({ hash });
    return doc ? fromDoc(doc) : null;
  }

  async revoke(id: string, at: string): Promise<boolean> {
    const found = await this.#keys.findOne({ id });
    if (!found) return false;
    await this.#keys.updateOne({ id, revokedAt: null }, { $set: { revokedAt: at } });
    return true;
  }
}

/** Only the declared fields, checked, whatever else a document holds. */
function fromDoc(doc: KeyDoc): ConsumerKey {
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    id: String(doc.id),
    name: String(doc.name),
    prefix: String(doc.prefix),
    hash: String(doc.hash),
    endpoints: Array.isArray(doc.endpoints) ? doc.endpoints.map(String) : null,
    requestsPerMinute: typeof doc.requestsPerMinute === 'number' ? doc.requestsPerMinute : null,
    expiresAt: text(doc.expiresAt),
    createdAt: String(doc.createdAt),
    revokedAt: text(doc.revokedAt),
  };
}
