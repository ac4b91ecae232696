// A patient as the billing desk names them: "First Last (username)" from the user service
// (UserService.GetUser, cached per id), the id while it loads or when it is unknown.
import { useQuery } from "@connectrpc/connect-query";
import { UserService } from "@hms/sdk/hms/user/v1/user_pb";

export function PatientName({ id }: { id: string }) {
  const user = useQuery(
    UserService.method.getUser,
    { userId: id },
    { enabled: !!id, staleTime: 5 * 60_000, retry: false },
  );
  const u = user.data?.user;
  if (!u) return <span className="id">{id}</span>;
  const name = `${u.firstName} ${u.lastName}`.trim();
  return (
    <span title={id}>
      {name || u.username}
      {name && <span className="meta"> ({u.username})</span>}
    </span>
  );
}
