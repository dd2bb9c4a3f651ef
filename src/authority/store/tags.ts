// Tags on hosted zones and health checks (ChangeTagsForResource, ListTagsForResource(s)). A change is
// validated against the resource's current tags, then journalled as the resource's whole new tag set, so
// replay needs no validation and a restart reproduces exactly what was acknowledged.
import { invalidInput } from './errors.js';

export const TAGGABLE_TYPES = ['hostedzone', 'healthcheck'] as const;
export type TaggableType = (typeof TAGGABLE_TYPES)[number];

export interface Tag {
  key: string;
  value: string;
}

export type TagsEntryBody = { op: 'tags'; resourceType: TaggableType; resourceId: string; tags: Tag[] };

/** Route53's tag quotas: 50 per resource, 10 added or removed per request, keys up to 128 and values 256 characters. */
const TAG_LIMITS = {
  perResource: 50,
  perRequest: 10,
  keyLength: 128,
  valueLength: 256,
  idsPerListRequest: 10,
} as const;

export function taggableType(raw: string): TaggableType {
  if (!(TAGGABLE_TYPES as readonly string[]).includes(raw)) {
    throw invalidInput(
      `Invalid request: Value '${raw}' at 'resourceType' failed to satisfy constraint: Member must satisfy enum value set: [${TAGGABLE_TYPES.join(', ')}]`,
    );
  }
  return raw as TaggableType;
}

export class TagStore {
  /** By `type/id`; a resource without tags has no entry. */
  private readonly byResource = new Map<string, Tag[]>();

  constructor(
    /** Journals and applies an entry (the zone store's commit). */
    private readonly commit: (body: TagsEntryBody) => void,
    /** Throws the resource type's own "no such" error when the resource does not exist. */
    private readonly mustExist: (type: TaggableType, id: string) => void,
  ) {}

  change(type: TaggableType, id: string, add: Tag[], removeKeys: string[]): void {
    this.mustExist(type, id);
    if (add.length === 0 && removeKeys.length === 0)
      throw invalidInput('Invalid request: at least one of AddTags and RemoveTagKeys is required');
    if (add.length > TAG_LIMITS.perRequest)
      throw invalidInput(`Invalid request: AddTags has ${add.length} tags, more than ${TAG_LIMITS.perRequest}`);
    if (removeKeys.length > TAG_LIMITS.perRequest)
      throw invalidInput(
        `Invalid request: RemoveTagKeys has ${removeKeys.length} keys, more than ${TAG_LIMITS.perRequest}`,
      );
    for (const tag of add) {
      if (tag.key.length < 1 || tag.key.length > TAG_LIMITS.keyLength)
        throw invalidInput(`Invalid request: tag key '${tag.key}' must be 1 to ${TAG_LIMITS.keyLength} characters`);
      if (tag.value.length > TAG_LIMITS.valueLength)
        throw invalidInput(
          `Invalid request: the value of tag '${tag.key}' is longer than ${TAG_LIMITS.valueLength} characters`,
        );
    }
    const next = new Map((this.byResource.get(`${type}/${id}`) ?? []).map((tag) => [tag.key, tag.value]));
    for (const key of removeKeys) next.delete(key);
    for (const tag of add) next.set(tag.key, tag.value);
    if (next.size > TAG_LIMITS.perResource)
      throw invalidInput(`Invalid request: a resource can have at most ${TAG_LIMITS.perResource} tags`);
    this.commit({
      op: 'tags',
      resourceType: type,
      resourceId: id,
      tags: [...next].map(([key, value]) => ({ key, value })),
    });
  }

  list(type: TaggableType, id: string): Tag[] {
    this.mustExist(type, id);
    return this.byResource.get(`${type}/${id}`) ?? [];
  }

  listMany(type: TaggableType, ids: string[]): Array<{ id: string; tags: Tag[] }> {
    if (ids.length < 1 || ids.length > TAG_LIMITS.idsPerListRequest)
      throw invalidInput(`Invalid request: ResourceIds must name 1 to ${TAG_LIMITS.idsPerListRequest} resources`);
    return ids.map((id) => ({ id, tags: this.list(type, id) }));
  }

  apply(entry: TagsEntryBody): void {
    if (entry.tags.length === 0) this.byResource.delete(`${entry.resourceType}/${entry.resourceId}`);
    else this.byResource.set(`${entry.resourceType}/${entry.resourceId}`, entry.tags);
  }

  /** A deleted resource takes its tags with it. */
  drop(type: TaggableType, id: string): void {
    this.byResource.delete(`${type}/${id}`);
  }

  exportState(): Array<{ resource: string; tags: Tag[] }> {
    return [...this.byResource].map(([resource, tags]) => ({ resource, tags }));
  }

  importState(saved: Array<{ resource: string; tags: Tag[] }> = []): void {
    for (const { resource, tags } of saved) this.byResource.set(resource, tags);
  }
}
