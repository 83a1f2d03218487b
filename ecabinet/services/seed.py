"""Demo data: the Government Office, three ministries, seven provinces, an endpoint each, and a user
for every role. Generated passwords are returned once for printing and stored only as hashes.

The directory has the structure in force since 1 July 2025 (Resolution 202/2025/QH15: 34
provinces, communes and wards directly under them, no districts): the demo provinces are merged
ones under their current names, and three of them carry some of their real communes and wards,
so the tree reads government → ministry / province → commune."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select

from ..models import Language, OrganizationLevel, Role, User
from ..models.search_text import fold
from ..schemas.directory import EndpointIn, OrganizationIn, UserIn
from . import directory, pki
from .context import Services
from .seed_meetings import seed_demo_meetings

GOVERNMENT = ("vpcp", "Văn phòng Chính phủ", "Phòng họp Chính phủ, 1 Hoàng Hoa Thám, Hà Nội")
MINISTRIES = [
    ("bo-tai-chinh", "Bộ Tài chính", "tai-chinh"),
    ("bo-noi-vu", "Bộ Nội vụ", "noi-vu"),
    ("bo-y-te", "Bộ Y tế", "y-te"),
]
# Provinces as they are since 1 July 2025 (in the comment: what each was merged with).
PROVINCES = [
    ("hai-phong", "Thành phố Hải Phòng", "hai-phong"),  # with Hải Dương
    ("nghe-an", "Tỉnh Nghệ An", "nghe-an"),  # unchanged
    ("thai-nguyen", "Tỉnh Thái Nguyên", "thai-nguyen"),  # with Bắc Kạn
    ("tuyen-quang", "Tỉnh Tuyên Quang", "tuyen-quang"),  # with Hà Giang
    ("lao-cai", "Tỉnh Lào Cai", "lao-cai"),  # with Yên Bái
    ("lam-dong", "Tỉnh Lâm Đồng", "lam-dong"),  # with Đắk Nông and Bình Thuận
    ("ca-mau", "Tỉnh Cà Mau", "ca-mau"),  # with Bạc Liêu
]
# Some of their communes (xã) and wards (phường), directly under the province.
COMMUNES = {
    "tuyen-quang": [
        "Phường Minh Xuân",
        "Phường Nông Tiến",
        "Phường An Tường",
        "Phường Hà Giang 1",  # the former city of Hà Giang
        "Phường Hà Giang 2",
        "Xã Đồng Văn",
        "Xã Mèo Vạc",
        "Xã Lũng Cú",
    ],
    "lao-cai": [
        "Phường Yên Bái",  # the former city of Yên Bái, now the province's seat
        "Phường Nghĩa Lộ",
        "Phường Lào Cai",
        "Phường Cam Đường",
        "Phường Sa Pa",
        "Xã Bát Xát",
        "Xã Bắc Hà",
    ],
    "thai-nguyen": [
        "Phường Phan Đình Phùng",
        "Phường Gia Sàng",
        "Phường Phổ Yên",
        "Phường Sông Công",
        "Phường Bắc Kạn",  # the former city of Bắc Kạn
        "Phường Đức Xuân",
    ],
}


def commune_slug(province_slug: str, name: str) -> str:
    return f"{province_slug}-{fold(name).replace(' ', '-')}"[:64]


log = logging.getLogger("ecabinet.seed")
SIGNER_ROLES = (Role.SECRETARY, Role.MEMBER)


@dataclass(frozen=True)
class SeededUser:
    username: str
    password: str
    role: Role
    organization: str


async def database_is_empty(svc: Services) -> bool:
    async with svc.db.reading() as session:
        return not await session.scalar(select(func.count()).select_from(User))


async def seed_demo(svc: Services) -> list[SeededUser]:
    """Create the demo directory. Run on an empty database only."""
    seeded: list[SeededUser] = []

    async def user(
        username: str, full_name: str, title: str, role: Role, org_id: int, org_name: str
    ) -> int:
        created, password = await directory.create_user(
            svc,
            None,
            UserIn(
                username=username,
                full_name=full_name,
                title=title,
                role=role,
                organization_id=org_id,
                language=Language.VI,
            ),
        )
        seeded.append(SeededUser(username, password or "", role, org_name))
        return created.id

    async def org_with_room(
        slug: str, name: str, level: OrganizationLevel, parent: int | None, room: str
    ) -> int:
        org = await directory.create_organization(
            svc, None, OrganizationIn(slug=slug, name=name, level=level, parent_id=parent)
        )
        operator = await user(
            f"vanhanh-{slug}",
            f"Kỹ thuật viên {name}",
            "Vận hành điểm cầu",
            Role.OPERATOR,
            org.id,
            name,
        )
        await directory.create_endpoint(
            svc,
            None,
            EndpointIn(
                slug=f"diem-cau-{slug}",
                name=f"Điểm cầu {name}",
                location=room,
                capacity=40,
                organization_id=org.id,
                operator_id=operator,
            ),
        )
        return org.id

    slug, name, room = GOVERNMENT
    gov = await org_with_room(slug, name, OrganizationLevel.GOVERNMENT, None, room)
    await user("admin", "Quản trị hệ thống", "Quản trị viên", Role.ADMIN, gov, name)
    await user("thuky", "Nguyễn Thị Thư", "Thư ký phiên họp", Role.SECRETARY, gov, name)
    await user("thutuong", "Trần Văn Chính", "Thủ tướng Chính phủ", Role.MEMBER, gov, name)
    for slug, name, short in MINISTRIES:
        org = await org_with_room(
            slug, name, OrganizationLevel.MINISTRY, gov, f"Phòng họp trực tuyến {name}"
        )
        await user(
            f"botruong-{short}",
            f"Bộ trưởng {name[3:]}",
            f"Bộ trưởng {name}",
            Role.MEMBER,
            org,
            name,
        )
        await user(
            f"chuyenvien-{short}",
            f"Chuyên viên {name[3:]}",
            "Chuyên viên",
            Role.DELEGATE,
            org,
            name,
        )
    for slug, name, short in PROVINCES:
        org = await org_with_room(
            slug, name, OrganizationLevel.PROVINCE, gov, f"Hội trường UBND {name}"
        )
        await user(
            f"chutich-{short}",
            f"Chủ tịch UBND {name}",
            f"Chủ tịch UBND {name}",
            Role.MEMBER,
            org,
            name,
        )
        for commune in COMMUNES.get(slug, ()):
            await directory.create_organization(
                svc,
                None,
                OrganizationIn(
                    slug=commune_slug(slug, commune),
                    name=commune,
                    level=OrganizationLevel.COMMUNE,
                    parent_id=org,
                ),
            )
    await seed_demo_meetings(svc)
    await _certificates(svc, [u.username for u in seeded if u.role in SIGNER_ROLES])
    return seeded


async def _certificates(svc: Services, usernames: list[str]) -> None:
    """Platform certificates for the demo signers (secretary, chair, members), so the demo signs
    out of the box; skipped, with a warning, when the CA has no passphrase (production)."""
    async with svc.db.reading() as session:
        ids = list(await session.scalars(select(User.id).where(User.username.in_(usernames))))
    try:
        for user_id in ids:
            await pki.issue_certificate(svc, None, user_id)
    except pki.CaNotConfigured as exc:
        log.warning("no signing certificates for the demo users: %s", exc.message)
