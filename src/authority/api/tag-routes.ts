// ChangeTagsForResource, ListTagsForResource and ListTagsForResources, for hosted zones and health checks.
// Terraform's aws_route53_zone reads a zone's tags after every create and refresh; external-dns filters zones by them.
import { invalidInput } from '../store/errors.js';
import { taggableType, type Tag, type TaggableType } from '../store/tags.js';
import { ok, type Handler } from './handler.js';
import type { OperationName } from './operations.js';
import { asList, document, parseRequest, text, type XmlObject } from './xml.js';

function tagSetXml(type: TaggableType, id: string, tags: Tag[]): XmlObject {
  return { ResourceType: type, ResourceId: id, Tags: { Tag: tags.map((tag) => ({ Key: tag.key, Value: tag.value })) } };
}

const changeTags: Handler = (request, context, [rawType, id]) => {
  const type = taggableType(rawType);
  const body = parseRequest(request.body, 'ChangeTagsForResourceRequest');
  const add = asList((body.AddTags as XmlObject | undefined)?.Tag).map((raw, i): Tag => {
    const tag = (raw ?? {}) as XmlObject;
    const key = text(tag.Key);
    if (key === undefined) throw invalidInput(`Invalid request: AddTags.Tag.${i + 1}.Key is required`);
    return { key, value: text(tag.Value) ?? '' };
  });
  const removeKeys = asList((body.RemoveTagKeys as XmlObject | undefined)?.Key).map((key) => text(key) ?? '');
  context.store.tags.change(type, id, add, removeKeys);
  return ok(document('ChangeTagsForResourceResponse', {}));
};

const listTags: Handler = (_request, context, [rawType, id]) => {
  const type = taggableType(rawType);
  return ok(
    document('ListTagsForResourceResponse', { ResourceTagSet: tagSetXml(type, id, context.store.tags.list(type, id)) }),
  );
};

const listTagsForMany: Handler = (request, context, [rawType]) => {
  const type = taggableType(rawType);
  const body = parseRequest(request.body, 'ListTagsForResourcesRequest');
  const ids = asList((body.ResourceIds as XmlObject | undefined)?.ResourceId).map((id) => text(id) ?? '');
  const sets = context.store.tags.listMany(type, ids).map(({ id, tags }) => tagSetXml(type, id, tags));
  return ok(document('ListTagsForResourcesResponse', { ResourceTagSets: { ResourceTagSet: sets } }));
};

export const tagHandlers: Partial<Record<OperationName, Handler>> = {
  ChangeTagsForResource: changeTags,
  ListTagsForResource: listTags,
  ListTagsForResources: listTagsForMany,
};
