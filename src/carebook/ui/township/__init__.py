"""The township supervisor's workspace (乡镇督导员工作台): overview, staff, allowances, enrolment."""
