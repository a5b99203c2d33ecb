import type { Connector } from './engine.js';
import { Bytes, type Value, WorkflowsError } from './expr.js';

/** One objects.get call: the object name as decoded, and whether it was found. */
export interface StorageRead {
  bucket: string;
  object: string;
  found: boolean;
}

/**
 * A fake Cloud Storage: objects by `bucket/name`, and the `googleapis.storage.v1.objects.get`
 * connector over them. It checks the call the way the connector documents it
 * (https://cloud.google.com/workflows/docs/reference/googleapis/storage/v1/objects/get): `bucket`
 * and `object` present, the object name URL-encoded (the connector overview: a name with folders
 * that is not encoded fails, https://cloud.google.com/workflows/docs/reference/googleapis/storage/Overview),
 * `alt: media` for the data, which comes back as bytes; a missing object is HttpError 404.
 */
export function fakeStorage(): { objects: Map<string, string>; get: Connector; reads: StorageRead[] } {
  const objects = new Map<string, string>();
  const reads: StorageRead[] = [];
  const get: Connector = async (args) => {
    const bucket = args.bucket;
    const encoded = args.object;
    if (typeof bucket !== 'string' || typeof encoded !== 'string') throw new Error('objects.get needs bucket and object strings');
    if (encoded.includes('/')) throw new Error(`objects.get: object name ${encoded} is not URL-encoded`);
    if (args.alt !== 'media') throw new Error('objects.get without alt: media returns metadata, not the data');
    const object = decodeURIComponent(encoded);
    const data = objects.get(`${bucket}/${object}`);
    reads.push({ bucket, object, found: data !== undefined });
    if (data === undefined) throw new WorkflowsError(['HttpError'], `No such object: ${bucket}/${object}`, { code: 404 } as Value);
    return new Bytes(new TextEncoder().encode(data));
  };
  return { objects, get, reads };
}
