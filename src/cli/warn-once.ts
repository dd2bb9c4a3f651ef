// A warning that repeats every pass or round (a store that stays unreachable) is printed when it first
// appears or changes, not once a second: the first line says it, the rest would bury everything else.
export function warnOnce(write: (line: string) => void = (line) => console.error(line)): (line: string) => void {
  let last: string | undefined;
  return (line) => {
    if (line === last) return;
    last = line;
    write(line);
  };
}
