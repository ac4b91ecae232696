// Users and roles (UserService admin methods): the accounts searched by name, username or
// email and filtered by role, a page at a time; staff accounts created with the profile of
// their role; accounts deactivated and reactivated; roles changed.
import { useState } from "react";
import {
  Button,
  Dialog,
  Form,
  Heading,
  Input,
  Label,
  Modal,
  ModalOverlay,
  SearchField,
} from "react-aria-components";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { UserService, type Profile, type User } from "@hms/sdk/hms/user/v1/user_pb";
import { Role } from "@hms/sdk/hms/common/v1/access_pb";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ProfileSchema } from "@hms/sdk/hms/user/v1/user_pb";
import { useI18n } from "../../i18n";
import { useSession } from "../../api/SessionContext";
import { toProblem } from "../../api/errors";
import { Field, formText, type FormSubmit } from "../../components/fields";
import { Loading } from "../../components/Loading";
import { ProblemMessage, fieldErrors } from "../../components/Problem";
import { PagerControls, ROLES, SelectField, When, roleLabel } from "./common";
import { usePager } from "./paging";
import { parseEnum } from "./enums";
import "./admin.css";

/** The roles an admin creates accounts for here (patients register themselves). */
const STAFF_ROLES = [
  Role.DOCTOR,
  Role.NURSE,
  Role.PHARMACIST,
  Role.LAB_TECHNICIAN,
  Role.INSURANCE_PROVIDER,
  Role.ADMIN,
];

export function displayName(u: Pick<User, "firstName" | "lastName" | "username">): string {
  return `${u.firstName} ${u.lastName}`.trim() || u.username;
}

function useInvalidateUsers() {
  const queries = useQueryClient();
  return () =>
    queries.invalidateQueries({
      queryKey: createConnectQueryKey({ schema: UserService, cardinality: undefined }),
    });
}

/** The profile of `role` from the form's fields, named as the service names them. */
function profileFrom(
  role: Role,
  value: (name: string) => string,
): MessageInitShape<typeof ProfileSchema> | undefined {
  switch (role) {
    case Role.DOCTOR:
      return {
        kind: {
          case: "doctor",
          value: {
            specialty: value("profile.doctor.specialty"),
            consultationRoom: value("profile.doctor.consultation_room"),
            licenseNumber: value("profile.doctor.license_number"),
            yearsOfExperience: Number(value("profile.doctor.years_of_experience") || "0"),
          },
        },
      };
    case Role.NURSE:
    case Role.PHARMACIST:
    case Role.LAB_TECHNICIAN:
      return {
        kind: {
          case: "staff",
          value: {
            licenseNumber: value("profile.staff.license_number"),
            department: value("profile.staff.department"),
          },
        },
      };
    case Role.INSURANCE_PROVIDER:
      return {
        kind: {
          case: "insuranceProvider",
          value: {
            companyName: value("profile.insurance_provider.company_name"),
            contactEmail: value("profile.insurance_provider.contact_email"),
            contactPhone: value("profile.insurance_provider.contact_phone"),
          },
        },
      };
    default:
      return undefined;
  }
}

function CreateStaff({ onCreated }: { onCreated: (user: User) => void }) {
  const { t, lang } = useI18n();
  const invalidate = useInvalidateUsers();
  const create = useMutation(UserService.method.createUser, { onSuccess: invalidate });
  const [role, setRole] = useState(String(Role.DOCTOR));
  const [language, setLanguage] = useState<string>(lang);
  const [error, setError] = useState<unknown>();
  const roleValue = parseEnum(Role, role, Role.UNSPECIFIED);

  const submit = (e: FormSubmit) => {
    e.preventDefault();
    const formElement = e.currentTarget;
    const form = new FormData(formElement);
    const value = (name: string) => formText(form, name).trim();
    setError(undefined);
    create.mutate(
      {
        role: roleValue,
        username: value("username"),
        email: value("email"),
        password: formText(form, "password"),
        firstName: value("first_name"),
        lastName: value("last_name"),
        phoneNumber: value("phone_number"),
        preferredLanguage: language,
        profile: profileFrom(roleValue, value),
      },
      {
        onSuccess: (r) => {
          formElement.reset();
          if (r.user) onCreated(r.user);
        },
        onError: setError,
      },
    );
  };
  const problem = error ? toProblem(error) : undefined;
  const errors = fieldErrors(t, problem);

  return (
    <Form
      validationBehavior="aria"
      validationErrors={errors}
      onSubmit={submit}
      className="card stack"
      aria-label={t("admin.users.new")}
    >
      <h2>{t("admin.users.new")}</h2>
      <div className="row">
        <SelectField
          label={t("admin.users.role")}
          value={role}
          onChange={setRole}
          options={STAFF_ROLES.map((r) => ({ value: String(r), label: t(roleLabel(r)) }))}
          error={errors.role}
        />
        <SelectField
          label={t("admin.users.language")}
          value={language}
          onChange={setLanguage}
          options={[
            { value: "vi", label: "Tiếng Việt" },
            { value: "en", label: "English" },
          ]}
          error={errors.preferred_language}
        />
      </div>
      <div className="row">
        <Field name="first_name" label={t("auth.firstName")} />
        <Field name="last_name" label={t("auth.lastName")} />
      </div>
      <div className="row">
        <Field name="username" label={t("auth.newUsername")} isRequired autoComplete="off" />
        <Field name="email" type="email" label={t("auth.email")} isRequired autoComplete="off" />
      </div>
      <div className="row">
        <Field name="phone_number" type="tel" label={t("auth.phone")} />
        <Field
          name="password"
          type="password"
          label={t("admin.users.password")}
          hint={t("auth.passwordHint")}
          isRequired
          autoComplete="new-password"
        />
      </div>
      {roleValue === Role.DOCTOR && (
        <fieldset className="row">
          <legend>{t("admin.users.doctorProfile")}</legend>
          <Field name="profile.doctor.specialty" label={t("admin.users.specialty")} />
          <Field name="profile.doctor.consultation_room" label={t("admin.users.room")} />
          <Field name="profile.doctor.license_number" label={t("admin.users.license")} />
          <Field
            name="profile.doctor.years_of_experience"
            type="number"
            label={t("admin.users.years")}
          />
        </fieldset>
      )}
      {(roleValue === Role.NURSE ||
        roleValue === Role.PHARMACIST ||
        roleValue === Role.LAB_TECHNICIAN) && (
        <fieldset className="row">
          <legend>{t("admin.users.staffProfile")}</legend>
          <Field name="profile.staff.license_number" label={t("admin.users.license")} />
          <Field name="profile.staff.department" label={t("admin.users.department")} />
        </fieldset>
      )}
      {roleValue === Role.INSURANCE_PROVIDER && (
        <fieldset className="row">
          <legend>{t("admin.users.insurerProfile")}</legend>
          <Field name="profile.insurance_provider.company_name" label={t("admin.users.company")} />
          <Field
            name="profile.insurance_provider.contact_email"
            type="email"
            label={t("admin.users.contactEmail")}
          />
          <Field
            name="profile.insurance_provider.contact_phone"
            type="tel"
            label={t("admin.users.contactPhone")}
          />
        </fieldset>
      )}
      <ProblemMessage error={error} shownFields={Object.keys(errors)} />
      <div className="actions">
        <Button type="submit" className="button primary" isDisabled={create.isPending}>
          {t("admin.users.create")}
        </Button>
      </div>
    </Form>
  );
}

function ChangeRoleDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const { t } = useI18n();
  const invalidate = useInvalidateUsers();
  const change = useMutation(UserService.method.changeUserRole, { onSuccess: invalidate });
  const [role, setRole] = useState(String(user.role));
  return (
    <ModalOverlay
      isOpen
      isDismissable
      onOpenChange={(open) => !open && onClose()}
      className="overlay"
    >
      <Modal className="modal">
        <Dialog className="dialog">
          <Heading slot="title">
            {t("admin.users.changeRoleOf", { name: displayName(user) })}
          </Heading>
          <p>{t("admin.users.changeRoleHelp")}</p>
          {change.isSuccess ? (
            <p className="note" role="status">
              {t("admin.users.roleChanged")}
            </p>
          ) : (
            <SelectField
              label={t("admin.users.newRole")}
              value={role}
              onChange={setRole}
              options={ROLES.map((r) => ({ value: String(r.role), label: t(r.label) }))}
            />
          )}
          <ProblemMessage error={change.error} />
          <div className="actions">
            {!change.isSuccess && (
              <Button
                className="button primary"
                isDisabled={change.isPending || role === String(user.role)}
                onPress={() =>
                  change.mutate({ userId: user.id, role: parseEnum(Role, role, Role.UNSPECIFIED) })
                }
              >
                {t("admin.users.changeRole")}
              </Button>
            )}
            <Button className="button" onPress={onClose}>
              {t("app.close")}
            </Button>
          </div>
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}

function ActiveButton({ user }: { user: User }) {
  const { t } = useI18n();
  const invalidate = useInvalidateUsers();
  const set = useMutation(UserService.method.setUserActive, { onSuccess: invalidate });
  return (
    <>
      <Button
        className={user.isActive ? "button small danger" : "button small"}
        isDisabled={set.isPending}
        onPress={() => set.mutate({ userId: user.id, active: !user.isActive })}
        aria-label={t(user.isActive ? "admin.users.deactivateWho" : "admin.users.activateWho", {
          name: displayName(user),
        })}
      >
        {t(user.isActive ? "admin.users.deactivate" : "admin.users.activate")}
      </Button>
      <ProblemMessage error={set.error} />
    </>
  );
}

/** A one-line summary of a staff profile. */
function profileSummary(profile: Profile | undefined): string {
  switch (profile?.kind.case) {
    case "doctor":
      return [profile.kind.value.specialty, profile.kind.value.consultationRoom]
        .filter(Boolean)
        .join(" · ");
    case "staff":
      return profile.kind.value.department;
    case "insuranceProvider":
      return profile.kind.value.companyName;
    default:
      return "";
  }
}

export default function Users() {
  const { t } = useI18n();
  const pager = usePager();
  const [query, setQuery] = useState("");
  const [search, setSearch] = useState("");
  const [role, setRole] = useState("0");
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<User | undefined>();
  const [changing, setChanging] = useState<User | undefined>();
  const list = useQuery(UserService.method.listUsers, {
    page: pager.page,
    query: search,
    role: parseEnum(Role, role, Role.UNSPECIFIED),
  });
  const users = list.data?.users ?? [];
  // One's own account is neither deactivated nor given another role here (the service
  // refuses both).
  const session = useSession();
  const me = session.status === "signed-in" ? session.session.user?.id : undefined;

  return (
    <section className="admin">
      <div className="title-row">
        <h1>{t("admin.users.title")}</h1>
        <Button
          className="button primary"
          onPress={() => {
            setCreating(!creating);
            setCreated(undefined);
          }}
          aria-expanded={creating}
        >
          {t("admin.users.new")}
        </Button>
      </div>
      {created && (
        <p className="note" role="status" data-id={created.id}>
          {t("admin.users.created", { name: displayName(created), username: created.username })}
        </p>
      )}
      {creating && (
        <CreateStaff
          onCreated={(u) => {
            setCreated(u);
            setCreating(false);
          }}
        />
      )}
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(query.trim());
          pager.reset();
        }}
      >
        <SearchField
          value={query}
          onChange={setQuery}
          onClear={() => {
            setSearch("");
            pager.reset();
          }}
          className="field"
        >
          <Label>{t("admin.users.search")}</Label>
          <Input />
        </SearchField>
        <SelectField
          label={t("admin.users.role")}
          value={role}
          onChange={(r) => {
            setRole(r);
            pager.reset();
          }}
          options={[
            { value: "0", label: t("admin.users.allRoles") },
            ...ROLES.map((r) => ({ value: String(r.role), label: t(r.label) })),
          ]}
        />
        <Button type="submit" className="button">
          {t("admin.search")}
        </Button>
      </form>
      <ProblemMessage error={list.error} />
      {list.isPending && <Loading />}
      {list.isSuccess && users.length === 0 && <p>{t("admin.users.none")}</p>}
      {users.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">{t("admin.users.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("admin.users.name")}</th>
                <th scope="col">{t("profile.username")}</th>
                <th scope="col">{t("auth.email")}</th>
                <th scope="col">{t("admin.users.role")}</th>
                <th scope="col">{t("admin.users.profile")}</th>
                <th scope="col">{t("admin.users.joined")}</th>
                <th scope="col">{t("admin.users.state")}</th>
                <th scope="col">{t("admin.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id} className={u.isActive ? undefined : "inactive"} data-id={u.id}>
                  <th scope="row">{displayName(u)}</th>
                  <td>{u.username}</td>
                  <td>{u.email}</td>
                  <td>{t(roleLabel(u.role))}</td>
                  <td>{profileSummary(u.profile)}</td>
                  <td>
                    <When at={u.dateJoined} />
                  </td>
                  <td>{t(u.isActive ? "admin.users.active" : "admin.users.inactive")}</td>
                  <td>
                    {u.id === me ? (
                      <span className="meta">{t("admin.users.you")}</span>
                    ) : (
                      <div className="actions">
                        <ActiveButton user={u} />
                        <Button
                          className="button small"
                          onPress={() => setChanging(u)}
                          aria-label={t("admin.users.changeRoleOf", { name: displayName(u) })}
                        >
                          {t("admin.users.changeRole")}
                        </Button>
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PagerControls
        pager={pager}
        nextToken={list.data?.page?.nextPageToken}
        label={t("admin.users.pages")}
      />
      {changing && <ChangeRoleDialog user={changing} onClose={() => setChanging(undefined)} />}
    </section>
  );
}
