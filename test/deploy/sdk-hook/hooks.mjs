// Reports every module resolved from a cloud SDK package, so a test can see what a command loads.
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (/@aws-sdk|@google-cloud|@kubernetes|google-gax/.test(r.url)) process.stderr.write(`SDK ${r.url}\n`);
  return r;
}
