// Route53's errors as the store raises them. The API maps each to Route53's XML error shape, so the stock
// SDK raises an exception whose `name` is the code (InvalidChangeBatch, NoSuchHostedZone, ...).

export class Route53Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** InvalidChangeBatch lists every problem of the batch, as Route53 does in <Messages>. */
    readonly messages: string[] = [],
  ) {
    super(message);
    this.name = code;
  }
}

export function invalidInput(message: string): Route53Error {
  return new Route53Error('InvalidInput', message);
}

export function invalidChangeBatch(messages: string[]): Route53Error {
  // Route53 joins the problems into one bracketed message and also lists them one by one.
  return new Route53Error('InvalidChangeBatch', `[${messages.join(', ')}]`, 400, messages);
}

export function noSuchHostedZone(id: string): Route53Error {
  return new Route53Error('NoSuchHostedZone', `No hosted zone found with ID: ${id}`, 404);
}

export function noSuchChange(id: string): Route53Error {
  return new Route53Error('NoSuchChange', `A change with the specified change ID does not exist: ${id}`, 404);
}
