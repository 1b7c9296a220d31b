"""Task and notification pages, mounted at /tasks/."""

from django.urls import path

from web.views import tasks as views

app_name = "workflows"

urlpatterns = [
    path("", views.task_list, name="tasks"),
    path("<int:pk>/", views.task_page, name="task"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications-read"),
]
